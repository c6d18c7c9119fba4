namespace Spindle;

/// <summary>Where what a worker process writes to its standard output and standard error goes.</summary>
public enum WorkerOutput
{
    /// <summary>
    /// To this process's console: standard error is forwarded to <see cref="Console.Error"/> as it arrives, and standard
    /// output is this process's own (the worker inherits it).
    /// </summary>
    Console,

    /// <summary>
    /// To <see cref="WorkerPoolOptions.LoggerFactory"/>, one entry per line, in the category <c>Spindle.Worker.{pool name}</c>,
    /// with the worker's pid in a logging scope (<c>WorkerProcessId</c>): standard output at Information, standard error at
    /// Warning. A line longer than 16,384 characters is logged in pieces of that size, so a worker that never ends its
    /// line does not fill this process's memory.
    /// </summary>
    Logger,
}
