using Spindle;
using Spindle.Processes;
using Spindle.Pools;

namespace Spindle;

/// <summary>A worker of a pool started.</summary>
/// <param name="PoolName">The pool's <see cref="WorkerPoolOptions.Name"/>.</param>
/// <param name="WorkerId">The pid (processes) or the worker's number in its pool (threads).</param>
/// <param name="Replacement">Whether it replaces a worker that ended.</param>
public sealed record WorkerStartedEventArgs(string PoolName, int WorkerId, bool Replacement);

/// <summary>A worker of a pool ended.</summary>
/// <param name="PoolName">The pool's <see cref="WorkerPoolOptions.Name"/>.</param>
/// <param name="WorkerId">The pid (processes) or the worker's number in its pool (threads).</param>
/// <param name="Reason">Why it ended.</param>
/// <param name="Exit">For a process: exit code, signal, cause and stderr tail.</param>
public sealed record WorkerExitedEventArgs(string PoolName, int WorkerId, WorkerExitReason Reason, WorkerExit? Exit)
{
    private readonly WorkerExitReason _reason = EnumValue.Defined(Reason, nameof(Reason));

    /// <summary>Why it ended.</summary>
    public WorkerExitReason Reason
    {
        get => _reason;
        init => _reason = EnumValue.Defined(value, nameof(Reason));
    }
}

/// <summary>A call whose worker crashed is being run again (see <see cref="WorkerPoolOptions.RetriesOnCrash"/>).</summary>
/// <param name="PoolName">The pool's <see cref="WorkerPoolOptions.Name"/>.</param>
/// <param name="CallId">The call's id.</param>
/// <param name="Attempt">The attempt about to start (2 for the first retry).</param>
/// <param name="CrashedWorker">How the previous worker died.</param>
public sealed record CallRetriedEventArgs(string PoolName, long CallId, int Attempt, WorkerExit? CrashedWorker);
