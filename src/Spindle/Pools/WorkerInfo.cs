using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>A snapshot of one worker of a pool.</summary>
/// <param name="Id">The pid (process isolation), or the worker's number in its pool (thread isolation: calls run on thread-pool threads).</param>
/// <param name="Isolation">Whether it is a process or a thread.</param>
/// <param name="Busy">Whether it is running a call now (for an abandoned thread: whether it is still blocked in its delegate, which it is while listed).</param>
/// <param name="CallsDone">Calls it has finished.</param>
/// <param name="StartedAt">When it started.</param>
public sealed record WorkerInfo(int Id, Isolation Isolation, bool Busy, int CallsDone, DateTimeOffset StartedAt)
{
    private readonly Isolation _isolation = EnumValue.Defined(Isolation, nameof(Isolation));

    /// <summary>Whether it is a process or a thread.</summary>
    public Isolation Isolation
    {
        get => _isolation;
        init => _isolation = EnumValue.Defined(value, nameof(Isolation));
    }

    /// <summary>Calls sent to it and not finished: the running one plus any pipelined behind it (see <see cref="WorkerPoolOptions.PipelineDepth"/>).</summary>
    public int CallsHeld { get; init; }

    /// <summary>
    /// A worker thread abandoned to a call that did not return after its timeout or cancellation (see
    /// <see cref="Isolation.Thread"/>): no longer part of the pool, replaced, listed until its delegate returns.
    /// </summary>
    public bool Abandoned => AbandonedAt is not null;

    /// <summary>When the thread was abandoned; null for a worker in service.</summary>
    public DateTimeOffset? AbandonedAt { get; init; }

    /// <summary>The call the abandoned thread is still blocked in (the id <see cref="CallRetriedEventArgs.CallId"/> uses too); null for a worker in service.</summary>
    public long? AbandonedCallId { get; init; }
}
