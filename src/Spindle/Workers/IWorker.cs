using Spindle;

namespace Spindle;

/// <summary>One unit of execution running one delegate: a <see cref="WorkerProcess"/> or a <see cref="WorkerThread"/>.</summary>
/// <remarks>
/// Disposing a process that is still running kills it and waits until it is gone; a thread cannot be killed, so disposing
/// a running <see cref="WorkerThread"/> returns at once and leaves it to finish.
/// </remarks>
public interface IWorker : IAsyncDisposable
{
    /// <summary>The process id (for a process) or managed thread id (for a thread); 0 before <see cref="Start"/> for a process.</summary>
    int Id { get; }

    /// <summary>Whether the worker has started and not yet finished.</summary>
    bool IsAlive { get; }

    /// <summary>What the delegate threw (or why the process died), once finished; null if it returned normally.</summary>
    Exception? Exception { get; }

    /// <summary>Starts running the delegate.</summary>
    void Start();

    /// <summary>Waits until the worker has finished.</summary>
    void Join();

    /// <summary>Waits at most <paramref name="timeout"/>; returns whether the worker finished.</summary>
    bool Join(TimeSpan timeout);

    /// <summary>Waits asynchronously until the worker has finished.</summary>
    Task JoinAsync(CancellationToken cancellationToken = default);
}
