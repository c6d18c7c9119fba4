using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Spindle.Extensions.Hosting.Lifetime;

/// <summary>
/// The registered pools' life in the host: created when the host starts (so a pool that cannot be created, or whose
/// workers cannot start, stops the start), warmed when <see cref="WorkerPoolOptions.WarmUp"/> is set, and drained once
/// every hosted service has stopped. The drain lasts until the host's stop token is cancelled
/// (<c>HostOptions.ShutdownTimeout</c>), then becomes a terminate (<see cref="WorkerPool.StopAsync(CancellationToken)"/>).
/// The container disposes the pools afterwards, and also when the start failed: the host then stops nothing.
/// </summary>
/// <remarks>
/// The host stops hosted services in reverse registration order, and this one is registered by the first
/// <c>AddWorkerPool</c>: draining in <see cref="StopAsync"/> would stop the pools under every hosted service registered
/// before it, still calling them. <see cref="StoppedAsync"/> comes after every service's <c>StopAsync</c>, whatever the
/// order, with the same stop token, so the shutdown timeout still bounds the whole stop.
/// </remarks>
internal sealed class WorkerPoolsHostedService(IWorkerPoolProvider pools, IOptionsMonitor<WorkerPoolOptions> options) : IHostedLifecycleService
{
    private readonly List<WorkerPool> _started = [];

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var warming = new List<Task>();
        foreach (string name in pools.Names)
        {
            WorkerPool pool = pools.GetPool(name);
            lock (_started)
            {
                _started.Add(pool);
            }

            if (options.Get(name).WarmUp)
            {
                warming.Add(WarmUpAsync(pool, cancellationToken));
            }
        }

        await Task.WhenAll(warming).ConfigureAwait(false);
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Starts every worker; a worker that cannot start fails the host's start with the start's own exception.</summary>
    private static async Task WarmUpAsync(WorkerPool pool, CancellationToken cancellationToken)
    {
        await pool.WarmUpAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Nothing yet: hosted services the host stops after this one may still call the pools (see <see cref="StoppedAsync"/>).</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken)
    {
        WorkerPool[] started;
        lock (_started)
        {
            started = [.. _started];
        }

        // All at once: the shutdown timeout bounds the whole stop, not each pool in turn.
        return Task.WhenAll(started.Select(pool => pool.StopAsync(cancellationToken)));
    }
}
