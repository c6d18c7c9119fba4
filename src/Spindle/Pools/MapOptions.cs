using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>How <see cref="WorkerPool"/>'s <c>MapAsync</c> feeds items to workers.</summary>
public sealed class MapOptions
{
    private int _chunkSize = 1;
    private int? _maxChunksInFlight;

    /// <summary>Items sent to a worker in one call. Larger chunks cost less per item; 1 balances load best.</summary>
    /// <value>The default is 1.</value>
    public int ChunkSize
    {
        get => _chunkSize;
        set => _chunkSize = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(ChunkSize), value, "ChunkSize must be greater than zero.");
    }

    /// <summary>Yield results in input order (true) or as they complete (false).</summary>
    /// <value>The default is true.</value>
    public bool Ordered { get; set; } = true;

    /// <summary>How many chunks may be queued or running at once; bounds memory and how far ahead the input is read.</summary>
    /// <value>The default is null: twice the pool's workers.</value>
    public int? MaxChunksInFlight
    {
        get => _maxChunksInFlight;
        set => _maxChunksInFlight = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxChunksInFlight), value, "MaxChunksInFlight must be greater than zero.");
    }
}
