using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>Per-call settings that override the pool's defaults.</summary>
public sealed class CallOptions
{
    private TimeSpan? _timeout;
    private int? _retriesOnCrash;

    /// <summary>How long the call may run once a worker starts it (queue time does not count).</summary>
    /// <value>The default is null: the pool's <see cref="WorkerPoolOptions.CallTimeout"/>. At most 49 days.</value>
    public TimeSpan? Timeout
    {
        get => _timeout;
        set => _timeout = value is { } timeout ? Pools.TimerLimit.Positive(timeout, nameof(Timeout)) : null;
    }

    /// <summary>How many times to run the call again on another worker if its worker crashes.</summary>
    /// <value>The default is null: the pool's <see cref="WorkerPoolOptions.RetriesOnCrash"/>.</value>
    public int? RetriesOnCrash
    {
        get => _retriesOnCrash;
        set => _retriesOnCrash = value is null or >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(RetriesOnCrash), value, "RetriesOnCrash cannot be negative.");
    }
}
