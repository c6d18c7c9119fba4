using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>The pool stopped taking calls because its workers kept dying. Says how often, the last cause, and which options to change.</summary>
public sealed class PoolFaultedException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public PoolFaultedException(int restarts, TimeSpan window, int maxRestarts, WorkerExit? lastExit)
        : base(
            $"The pool is faulted: {restarts} workers died within {window.TotalSeconds:0.#} s, more than MaxRestarts ({maxRestarts}) in RestartWindow ({window}). " +
            $"The last one: {lastExit?.Cause ?? "unknown"}" +
            (string.IsNullOrWhiteSpace(lastExit?.StandardErrorTail) ? "." : $". Its stderr ended with:{Environment.NewLine}{lastExit.StandardErrorTail}") +
            $"{Environment.NewLine}Fix the crash, or raise WorkerPoolOptions.MaxRestarts or shorten WorkerPoolOptions.RestartWindow.")
    {
        Restarts = restarts;
        Window = window;
        LastExit = lastExit;
    }

    /// <summary>Workers that died within the window.</summary>
    public int Restarts { get; }

    /// <summary>The <see cref="WorkerPoolOptions.RestartWindow"/> in force.</summary>
    public TimeSpan Window { get; }

    /// <summary>How the last worker died: the repeated cause.</summary>
    public WorkerExit? LastExit { get; }
}
