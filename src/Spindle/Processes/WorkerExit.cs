using Spindle.Interop;
using Spindle;
using Spindle.Processes;
namespace Spindle;

/// <summary>How a worker process ended: exit code or signal, in plain words, with the last of its stderr.</summary>
public sealed record WorkerExit(int ProcessId, int? ExitCode, int? Signal, string Cause, string StandardErrorTail)
{
    /// <summary>The cluster agent the worker ran on, or null for a worker of this machine.</summary>
    public string? Agent { get; init; }

    /// <summary>
    /// One of several calls lost in the same event (an agent gone silent with every call it held), of which another
    /// was counted against <see cref="WorkerPoolOptions.MaxRestarts"/> already: one lost machine is one restart, not
    /// one per call it held.
    /// </summary>
    internal bool CountedWithAnother { get; init; }

    /// <summary>The signal's name, e.g. <c>SIGKILL</c>, or null when the process exited by itself.</summary>
    public string? SignalName => Signal is { } s ? SignalNames.Name(s) : null;

    /// <summary>Reads .NET's exit code (128 + n for a process ended by signal n on Unix) and explains it.</summary>
    public static WorkerExit From(int processId, int exitCode, string stderrTail)
    {
        int? signal = !OperatingSystem.IsWindows() && exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : null;
        return new WorkerExit(processId, exitCode, signal, Explain(exitCode, signal, stderrTail), stderrTail);
    }

    private static string Explain(int exitCode, int? signal, string stderr)
    {
        if (stderr.Contains(WorkerCallLoop.MemoryLimitMessage, StringComparison.Ordinal)
            || (stderr.Contains("OutOfMemory", StringComparison.Ordinal) && signal == 6))
        {
            return "the worker hit its memory limit (MemoryLimit) and was stopped";
        }

        if (stderr.Contains("Stack overflow", StringComparison.Ordinal))
        {
            return "a stack overflow in the worker (the runtime cannot recover from one)";
        }

        if (stderr.Contains("FailFast", StringComparison.Ordinal))
        {
            return "Environment.FailFast was called in the worker";
        }

        if (stderr.Contains("Unhandled exception", StringComparison.Ordinal) && signal == 6)
        {
            return "an unhandled exception on a thread of the worker took the whole process down";
        }

        return signal switch
        {
            9 => "killed by SIGKILL (another process, the out-of-memory killer, or a memory limit)",
            11 => "a segmentation fault: native code read or wrote memory it does not own",
            6 => "aborted (SIGABRT) by the runtime or native code",
            7 => "a bus error in native code (SIGBUS)",
            15 => "terminated by SIGTERM",
            { } other => $"ended by signal {SignalNames.Name(other)}",
            null when exitCode == 0 => "the worker exited normally (code 0) in the middle of a call: Environment.Exit(0)?",
            null => $"the worker exited with code {exitCode} (Environment.Exit, or the worker host failed)",
        };
    }
}
