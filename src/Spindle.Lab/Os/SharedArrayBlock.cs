using Spindle.Shared;

namespace Spindle.Lab.Os;

/// <summary>A futex block whose memory is a Spindle <see cref="SharedArray{T}"/> of bytes (mapped shared by every process that opens it).</summary>
internal sealed unsafe class SharedArrayBlock : FutexBlock
{
    private readonly SharedArray<byte> _array;

    private SharedArrayBlock(SharedArray<byte> array, int dataBytes)
    {
        _array = array;

        // The array is a shared mapping that never moves, so a pointer into it stays valid while the array is open.
        fixed (byte* start = array.Span)
        {
            Attach(start, dataBytes);
        }
    }

    public string Name => _array.Name;

    public static SharedArrayBlock Create(int dataBytes) => new(SharedArray.Create<byte>(HeaderBytes + dataBytes), dataBytes);

    public static SharedArrayBlock Open(string name, int dataBytes) => new(SharedArray.Open<byte>(name), dataBytes);

    public override string ToString() => _array.Name;

    public override void Dispose() => _array.Dispose();
}
