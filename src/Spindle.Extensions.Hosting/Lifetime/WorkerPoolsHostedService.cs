using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Spindle.Extensions.Hosting.Lifetime;

/// <summary>
/// The registered pools' life in the host: created when the host starts (so a pool that cannot be created, or whose
/// workers cannot start, stops the start), warmed when <see cref="WorkerPoolOptions.WarmUp"/> is set, and drained when
/// the host stops. The drain lasts until the host's stop token is cancelled (<c>HostOptions.ShutdownTimeout</c>), then
/// becomes a terminate (<see cref="WorkerPool.StopAsync(CancellationToken)"/>). The container disposes the pools afterwards.
/// </summary>
internal sealed class WorkerPoolsHostedService(IWorkerPoolProvider pools, IOptionsMonitor<WorkerPoolOptions> options) : IHostedService
{
    private readonly List<WorkerPool> _started = [];

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

    /// <summary>Starts every worker; a worker that cannot start fails the host's start with the start's own exception.</summary>
    private static async Task WarmUpAsync(WorkerPool pool, CancellationToken cancellationToken)
    {
        await pool.WarmUpAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken)
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
