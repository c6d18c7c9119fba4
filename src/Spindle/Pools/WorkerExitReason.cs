using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>Why a pool's worker ended.</summary>
public enum WorkerExitReason
{
    /// <summary>It died on its own: a crash, a signal, the memory limit. Counted against <see cref="WorkerPoolOptions.MaxRestarts"/>.</summary>
    Crashed,

    /// <summary>The pool retired it: idle too long, recycled after <see cref="WorkerPoolOptions.MaxCallsPerWorker"/>, or the pool closed.</summary>
    Retired,

    /// <summary>The pool killed it to stop a call that timed out or was cancelled and ignored its token.</summary>
    KilledForCall,

    /// <summary>The pool was terminated.</summary>
    Terminated,

    /// <summary>
    /// A worker thread's call did not return after it timed out or was cancelled and <see cref="WorkerPoolOptions.CancellationGracePeriod"/>
    /// passed, or the pool was terminated while it ran. A thread cannot be killed: it was left blocked in the background
    /// (listed by <see cref="WorkerPool.GetWorkers"/> until it returns) and a new worker took its place.
    /// </summary>
    Abandoned,
}
