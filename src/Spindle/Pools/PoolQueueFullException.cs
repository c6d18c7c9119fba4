using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>
/// A call was refused because the pool's queue was full and <see cref="WorkerPoolOptions.QueueFullMode"/> is
/// <see cref="QueueFullMode.Fail"/>. Thrown at the call site: the call never entered the pool.
/// </summary>
public sealed class PoolQueueFullException : SpindleException
{
    /// <summary>Creates the exception for a pool whose queue holds at most <paramref name="maxQueuedCalls"/> calls.</summary>
    public PoolQueueFullException(int maxQueuedCalls)
        : base($"The pool's queue is full: {maxQueuedCalls} calls already wait for a worker (MaxQueuedCalls is {maxQueuedCalls}) and QueueFullMode is Fail. " +
            "Raise WorkerPoolOptions.MaxQueuedCalls or Workers, submit fewer calls at once, or set QueueFullMode to Wait to wait for room.")
    {
        MaxQueuedCalls = maxQueuedCalls;
    }

    /// <summary>The pool's <see cref="WorkerPoolOptions.MaxQueuedCalls"/>: how many calls its queue holds.</summary>
    public int MaxQueuedCalls { get; }
}
