namespace Spindle.Backends;

/// <summary>
/// Where a pool's calls run: the backend's side of the seam. The front end (<see cref="WorkerPool"/>: encoding at
/// the call site, options, queue, timeouts, cancellation, retries, supervision, events) asks a backend for workers and
/// hands each a call at a time; everything about how a worker runs a call lives behind this interface, in the backend's
/// own folder (<c>Threads/</c>, <c>Processes/</c>). A new backend is a new folder plus one line in <see cref="WorkerBackends"/>.
/// </summary>
internal interface IWorkerBackend
{
    /// <summary>
    /// Whether workers run calls in this process, sharing memory with the caller: then calls are not encoded (only
    /// checked, with <see cref="WorkerPoolOptions.CheckProcessBoundary"/>); otherwise each call is encoded into a
    /// frame at the call site, where a value that cannot cross fails naming its variable.
    /// </summary>
    bool SharesMemory { get; }

    /// <summary>Starts worker number <paramref name="index"/>; it reports to the pool's <see cref="IWorkerReports"/>.</summary>
    Task<PoolWorker> StartWorkerAsync(int index, CancellationToken cancellationToken);
}
