using Spindle;
using Spindle.Pools;

namespace Spindle.Backends;

/// <summary>
/// One worker of a pool, as the front end sees it, whatever runs it (a thread, a process): it takes calls, runs one at
/// a time, and reports through the pool's <see cref="IWorkerReports"/>. A backend's <see cref="IWorkerBackend"/>
/// starts them.
/// </summary>
internal abstract class PoolWorker
{
    /// <summary>The worker's pid (process isolation) or its number in the pool (thread isolation).</summary>
    public abstract int Id { get; }

    /// <summary>The worker in words, for logs: "worker 12345", "worker 2 (thread 17)".</summary>
    public virtual string Description => $"worker {Id}";

    /// <summary>
    /// When the pool gave up on this worker because its call could not be stopped (a thread cannot be killed: see
    /// <see cref="Isolation.Thread"/>); null while it serves.
    /// </summary>
    public DateTimeOffset? AbandonedAt { get; protected set; }

    /// <summary>The call an abandoned worker is still blocked in.</summary>
    public long? AbandonedCallId { get; protected set; }

    /// <summary>Set (under the pool's lock) once an abandoned worker's call has returned.</summary>
    public bool ReturnedAfterAbandoned { get; set; }

    /// <summary>Calls this worker has finished.</summary>
    public int CallsDone { get; protected set; }

    /// <summary>When the worker last became idle (<see cref="Environment.TickCount64"/>).</summary>
    public long IdleSince { get; set; }

    /// <summary>The call running now, if any.</summary>
    public abstract PendingCall? Running { get; }

    /// <summary>How many calls may be sent to this worker before it finishes the first (see <see cref="WorkerPoolOptions.PipelineDepth"/>).</summary>
    public virtual int Capacity => 1;

    /// <summary>Calls sent to this worker and not finished yet.</summary>
    public virtual int InFlight => Running is null ? 0 : 1;

    /// <summary>
    /// How long the calls this worker holds are expected to take, in <see cref="System.Diagnostics.Stopwatch"/> ticks;
    /// <see cref="Calls.CallProfile.Unknown"/> when any of them is of unknown length.
    /// </summary>
    public virtual long HeldWorkTicks => InFlight == 0 ? 0 : Calls.CallProfile.Unknown;

    /// <summary>Whether the dispatcher lists it as busy but able to take another call.</summary>
    public bool InPipelining { get; set; }

    /// <summary>When the worker started.</summary>
    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>Set once the dispatcher has taken the worker out of service (retired, killed or dead).</summary>
    public bool Removed { get; set; }

    /// <summary>Hands a call to this idle worker.</summary>
    public abstract void Dispatch(PendingCall call);

    /// <summary>Passes a caller's cancellation to the running call.</summary>
    public abstract void CancelRunning(PendingCall call);

    /// <summary>
    /// Ends <paramref name="call"/> now with <paramref name="verdict"/> (a timeout, a cancellation): a process is killed
    /// for it and replaced; a thread cannot be, so its call's token is cancelled, and if the delegate has not returned
    /// <see cref="WorkerPoolOptions.CancellationGracePeriod"/> after that, the thread is abandoned and replaced.
    /// </summary>
    public abstract void StopCall(PendingCall call, Action<PendingCall> verdict);

    /// <summary>
    /// Takes back <paramref name="call"/> if it was handed over but has not started anywhere yet, so it never will; false
    /// once it has. A local worker starts a call as it is dispatched; a cluster call waits for an agent to claim it.
    /// </summary>
    public virtual bool TryWithdraw(PendingCall call) => false;

    /// <summary>
    /// Where <paramref name="call"/> was handed on without word yet whether it was taken (a cluster call offered to an
    /// agent directly, which has not answered the offer), for a timeout's error; null when it is known to run.
    /// </summary>
    public virtual string? UnansweredOffer(PendingCall call) => null;

    /// <summary>Stops after the current call, if any; completes <see cref="Exited"/> when gone.</summary>
    public abstract void Retire();

    /// <summary>Stops at once: a process is killed; a thread running a call is abandoned to it. Safe to call more than once.</summary>
    public abstract void Kill();

    public abstract Task Exited { get; }
}
