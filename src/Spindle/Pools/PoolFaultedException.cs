using Spindle;
using Spindle.Processes;
using Spindle.Pools;

namespace Spindle;

/// <summary>
/// The pool stopped taking calls because its workers kept dying. Says how often, the last cause, and which options to
/// change; every number its message names is a property.
/// </summary>
public sealed class PoolFaultedException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public PoolFaultedException(int restarts, TimeSpan window, int maxRestarts, WorkerExit? lastExit)
        : this(restarts, window, maxRestarts, lastExit, abandonedThreads: 0)
    {
    }

    /// <summary>Creates the exception, counting threads abandoned to calls that never returned among the restarts.</summary>
    public PoolFaultedException(int restarts, TimeSpan window, int maxRestarts, WorkerExit? lastExit, int abandonedThreads)
        : base(Describe(restarts, window, maxRestarts, lastExit, abandonedThreads))
    {
        Restarts = restarts;
        Window = window;
        MaxRestarts = maxRestarts;
        LastExit = lastExit;
        AbandonedThreads = abandonedThreads;
    }

    /// <summary>Workers that died within the window, and threads abandoned to calls that never returned.</summary>
    public int Restarts { get; }

    /// <summary>The <see cref="WorkerPoolOptions.RestartWindow"/> in force.</summary>
    public TimeSpan Window { get; }

    /// <summary>The <see cref="WorkerPoolOptions.MaxRestarts"/> in force: <see cref="Restarts"/> went past it.</summary>
    public int MaxRestarts { get; }

    /// <summary>How the last worker died: the repeated cause.</summary>
    public WorkerExit? LastExit { get; }

    /// <summary>
    /// Of <see cref="Restarts"/>, the worker threads abandoned to calls that did not return after a timeout or a
    /// cancellation (see <see cref="Isolation.Thread"/>); they count for as long as they stay blocked.
    /// </summary>
    public int AbandonedThreads { get; }

    private static string Describe(int restarts, TimeSpan window, int maxRestarts, WorkerExit? lastExit, int abandonedThreads)
    {
        string limit = $"more than MaxRestarts ({maxRestarts}) in RestartWindow ({window})";
        if (abandonedThreads == 0)
        {
            return $"The pool is faulted: {restarts} workers died within {window.TotalSeconds:0.#} s, {limit}. " +
                $"The last one: {lastExit?.Cause ?? "unknown"}" +
                (string.IsNullOrWhiteSpace(lastExit?.StandardErrorTail) ? "." : $". Its stderr ended with:{Environment.NewLine}{lastExit.StandardErrorTail}") +
                $"{Environment.NewLine}Fix the crash, or raise WorkerPoolOptions.MaxRestarts or shorten WorkerPoolOptions.RestartWindow.";
        }

        return $"The pool is faulted: {restarts} workers were lost, {limit} or still blocked: {abandonedThreads} of them are worker " +
            "threads abandoned to calls that did not return after their timeout (CallTimeout) or cancellation and " +
            "CancellationGracePeriod; a thread cannot be killed, so each counts for as long as it stays blocked." +
            (lastExit is null ? "" : $" The last crash: {lastExit.Cause}.") +
            $"{Environment.NewLine}Make the calls return when their CancellationToken is cancelled, or raise WorkerPoolOptions.MaxRestarts.";
    }
}
