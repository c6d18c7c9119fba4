namespace Spindle.Cluster.Agent;

/// <summary>The agent's local process pools: one per build and serializer, started from the fetched build on first use.</summary>
internal sealed partial class ClusterAgent
{
    /// <summary>The local process pool for a build and serializer: created, with the build fetched, on first use.</summary>
    private async Task<WorkerPool> PoolForAsync(string build, string? serializer, CancellationToken cancellationToken)
    {
        if (_pools.TryGetValue(PoolKey(build, serializer), out Lazy<WorkerPool>? known))
        {
            // Every call after a build's first: no cache lookup, no manifest read.
            return known.Value;
        }

        string directory = await _builds.GetAsync(build, cancellationToken).ConfigureAwait(false);
        Processes.WorkerApp app = BuildCache.Open(directory, serializer) with { Lane = LaneFor(build, serializer) };
        Lazy<WorkerPool> pool = _pools.GetOrAdd(PoolKey(build, serializer), _ => new Lazy<WorkerPool>(() => WatchLanes(_readings.Watch(new WorkerPool(new WorkerPoolOptions
        {
            Name = $"agent {Name} build {build[..12]}",
            Isolation = Isolation.Process,
            Workers = _options.Workers,
            CancellationGracePeriod = _options.CancellationGracePeriod,
            MaxMessageBytes = _options.MaxMessageBytes,

            // Results are relayed to another machine as bytes: they must come back on the channel, not in this machine's shared memory.
            SharedMemoryThreshold = null,
            Backend = context => new Processes.ProcessBackend(context, app),
        })))));
        return pool.Value;
    }

    /// <summary>A worker that dies running a call it took itself is answered for (ClusterAgent.Lanes.cs).</summary>
    private WorkerPool WatchLanes(WorkerPool pool)
    {
        pool.WorkerExited += (_, e) => OnWorkerExited(e);
        return pool;
    }

    private void ForgetPool(string build, string? serializer)
    {
        if (_pools.TryRemove(PoolKey(build, serializer), out Lazy<WorkerPool>? faulted) && faulted.IsValueCreated)
        {
            _ = faulted.Value.DisposeAsync().AsTask();
        }
    }

    private static string PoolKey(string build, string? serializer) => $"{build}|{serializer}";
}
