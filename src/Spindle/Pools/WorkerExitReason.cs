namespace Spindle.Pools;

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
}
