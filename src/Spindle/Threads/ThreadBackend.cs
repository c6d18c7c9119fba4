using Spindle.Backends;

namespace Spindle.Threads;

/// <summary>Runs calls on worker threads of this process (<see cref="Pools.Isolation.Thread"/>): no copies, no isolation.</summary>
internal sealed class ThreadBackend(BackendContext context) : IWorkerBackend
{
    public bool SharesMemory => true;

    public Task<PoolWorker> StartWorkerAsync(int index, CancellationToken cancellationToken) =>
        Task.FromResult<PoolWorker>(new ThreadWorker(context.Reports, index, context.Options.Workers, context.Options.CancellationGracePeriod));
}
