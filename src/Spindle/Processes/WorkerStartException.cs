namespace Spindle.Processes;

/// <summary>A worker process could not be started, or died before it was ready.</summary>
public sealed class WorkerStartException : SpindleException
{
    /// <summary>Creates the exception.</summary>
    public WorkerStartException(string message, int? exitCode, string standardErrorTail, Exception? innerException = null)
        : base(string.IsNullOrWhiteSpace(standardErrorTail) ? message : $"{message}{Environment.NewLine}Last lines of the worker's stderr:{Environment.NewLine}{standardErrorTail}", innerException)
    {
        ExitCode = exitCode;
        StandardErrorTail = standardErrorTail;
    }

    /// <summary>The worker's exit code, if it started and exited.</summary>
    public int? ExitCode { get; }

    /// <summary>The last lines the worker wrote to stderr.</summary>
    public string StandardErrorTail { get; }
}
