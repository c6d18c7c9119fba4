using Spindle;
using Spindle.Processes;

namespace Spindle;

/// <summary>
/// A worker could not be started: a worker process failed to start or died before it was ready, or a worker's
/// <see cref="WorkerPoolOptions.Initializer"/> threw (then <see cref="Exception.InnerException"/> is what it threw).
/// </summary>
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

    /// <summary>
    /// For a worker that exited before it was ready: under a memory limit, if its stderr says it ran out of memory (the
    /// runtime's E_OUTOFMEMORY, 0x8007000E, when it cannot create its heap; an OutOfMemoryException or "Out of memory"
    /// later), the sentence that names the option to raise. Empty otherwise: the limit is then not the likely cause.
    /// </summary>
    internal static string MemoryLimitAdvice(long? memoryLimit, string standardErrorTail) =>
        memoryLimit is { } limit
        && (standardErrorTail.Contains("0x8007000E", StringComparison.OrdinalIgnoreCase)
            || standardErrorTail.Contains("OutOfMemory", StringComparison.Ordinal)
            || standardErrorTail.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
            ? $" It ran out of memory: MemoryLimit ({limit} bytes, {limit / (1024.0 * 1024.0):0.#} MiB) is probably too small for a worker to start; raise WorkerPoolOptions.MemoryLimit."
            : string.Empty;
}
