using Spindle;
using Spindle.Processes;

namespace Spindle;

/// <summary>The worker process running a call died before it returned. Only that call fails; the pool replaces the worker.</summary>
public sealed class WorkerCrashedException : SpindleException
{
    /// <summary>Creates the exception from how the worker ended.</summary>
    public WorkerCrashedException(WorkerExit exit)
        : base(BuildMessage(exit))
    {
        Exit = exit;
    }

    /// <summary>How the worker ended.</summary>
    public WorkerExit Exit { get; }

    /// <summary>The worker's exit code as .NET reports it (128 + n when ended by signal n).</summary>
    public int? ExitCode => Exit.ExitCode;

    /// <summary>The signal that ended the worker, e.g. <c>SIGSEGV</c>, or null.</summary>
    public string? Signal => Exit.SignalName;

    /// <summary>What happened, in plain words.</summary>
    public string Cause => Exit.Cause;

    /// <summary>The last lines the worker wrote to stderr.</summary>
    public string StandardErrorTail => Exit.StandardErrorTail;

    private static string BuildMessage(WorkerExit exit)
    {
        string how = exit.SignalName is { } signal ? $"signal {signal}" : $"exit code {exit.ExitCode}";
        string message = exit switch
        {
            // The agent itself went away: no worker process to speak of, only what the pool saw.
            { Agent: { } lost, ProcessId: 0 } => $"Agent '{lost}' was lost while running the call: {exit.Cause}.",
            { Agent: { } agent } => $"Worker process {exit.ProcessId} on agent '{agent}' died while running the call ({how}): {exit.Cause}.",
            _ => $"Worker process {exit.ProcessId} died while running the call ({how}): {exit.Cause}.",
        };
        return string.IsNullOrWhiteSpace(exit.StandardErrorTail)
            ? message
            : $"{message}{Environment.NewLine}Last lines of its stderr:{Environment.NewLine}{exit.StandardErrorTail}";
    }
}
