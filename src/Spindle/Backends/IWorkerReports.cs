using Spindle;
using Spindle.Pools;

namespace Spindle.Backends;

/// <summary>
/// What a worker tells its pool, whatever runs it: the front end's side of the seam. The pool decides what follows
/// (the next call, a retry, a replacement, a fault); a worker only reports.
/// </summary>
internal interface IWorkerReports
{
    /// <summary>Whether calls wait in the pool's queue (read without a lock: a hint for when to watch for a result).</summary>
    bool HasQueuedCalls { get; }

    /// <summary>True once the pool was terminated: running calls are cancelled instead of being reported as crashes.</summary>
    bool Terminated { get; }

    /// <summary>The worker has started <paramref name="call"/>: its timeout counts from now.</summary>
    void ArmTimeout(PendingCall call, PoolWorker worker);

    /// <summary>The worker is free for its next call (the call it finished completes separately).</summary>
    void OnCallFinished(PoolWorker worker);

    /// <summary>The pool's last bookkeeping for a call whose task has completed.</summary>
    void Finish(PendingCall call);

    /// <summary>A call reached a worker whose exit had already been handled: it never started and goes elsewhere.</summary>
    void Redispatch(PendingCall call);

    /// <summary>
    /// The worker has ended (crashed, killed for a call, retired, terminated or abandoned) with <paramref name="call"/>
    /// running and <paramref name="neverStarted"/> sent ahead behind it; <paramref name="verdict"/> ends a call it was killed for.
    /// </summary>
    void OnWorkerExited(PoolWorker worker, WorkerExit? exit, WorkerExitReason reason, PendingCall? call, Action<PendingCall>? verdict, PendingCall[]? neverStarted = null);

    /// <summary>An abandoned worker's call has returned at last: it no longer counts against the pool.</summary>
    void OnAbandonedWorkerReturned(PoolWorker worker);
}
