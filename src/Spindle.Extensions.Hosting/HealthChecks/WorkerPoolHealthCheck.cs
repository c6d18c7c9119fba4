using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Spindle.Extensions.Hosting.HealthChecks;

/// <summary>
/// Reports pools' health, worst first: a faulted, draining or stopped pool (it refuses calls) is the registration's
/// failure status (Unhealthy by default); restarts at half the restart-intensity limit or more, or a full queue, is
/// Degraded; otherwise Healthy. Reads only what a pool reports, so it never throws.
/// </summary>
/// <remarks>
/// Half of <see cref="WorkerPool.MaxRestarts"/> is "near" the limit: restarts counted within the restart window mean
/// workers are dying often enough that a few more fault the pool, which an operator should hear about before it does.
/// With <c>MaxRestarts</c> 0 the first crash faults the pool, so there is no Degraded step for restarts.
/// </remarks>
internal sealed class WorkerPoolHealthCheck(IWorkerPoolProvider provider, IReadOnlyList<string>? poolNames) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        HealthStatus failure = context.Registration?.FailureStatus ?? HealthStatus.Unhealthy;
        IReadOnlyList<string> names = poolNames is { Count: > 0 } ? poolNames : provider.Names;
        if (names.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy("No worker pools are registered."));
        }

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var descriptions = new List<string>();
        HealthStatus worst = HealthStatus.Healthy;
        foreach (string name in names)
        {
            (HealthStatus status, string description) = provider.Names.Contains(name, StringComparer.Ordinal)
                ? Check(name, provider.GetPool(name), failure, data)
                : (failure, $"{name}: no worker pool is registered under this name (registered: {string.Join(", ", provider.Names)})");
            worst = status < worst ? status : worst;
            descriptions.Add(description);
        }

        return Task.FromResult(new HealthCheckResult(worst, string.Join("; ", descriptions), data: data));
    }

    private static (HealthStatus Status, string Description) Check(string name, WorkerPool pool, HealthStatus failure, Dictionary<string, object> data)
    {
        PoolState state = pool.State;
        IReadOnlyList<WorkerInfo> workers = pool.GetWorkers();
        int running = workers.Count(w => !w.Abandoned);
        int busy = workers.Count(w => w.Busy && !w.Abandoned);
        int queued = pool.QueueLength;
        int restarts = pool.RecentRestarts;
        data[$"{name}.state"] = state.ToString();
        data[$"{name}.workers"] = running;
        data[$"{name}.maxWorkers"] = pool.MaxWorkers;
        data[$"{name}.busy"] = busy;
        data[$"{name}.queueLength"] = queued;
        data[$"{name}.maxQueuedCalls"] = pool.MaxQueuedCalls;
        data[$"{name}.restarts"] = restarts;
        data[$"{name}.maxRestarts"] = pool.MaxRestarts;

        string counts = $"{running} of {pool.MaxWorkers} workers, {busy} busy, {queued} queued, {restarts} of {pool.MaxRestarts} restarts";
        return state switch
        {
            PoolState.Faulted => (failure, $"{name}: faulted, refusing calls: {FaultOf(pool)}"),
            PoolState.Draining => (failure, $"{name}: stopping, refusing new calls ({counts})"),
            PoolState.Stopped => (failure, $"{name}: stopped (disposed or terminated)"),
            _ when queued >= pool.MaxQueuedCalls => (HealthStatus.Degraded, $"{name}: queue full, {queued} of {pool.MaxQueuedCalls} calls waiting (MaxQueuedCalls) ({counts})"),
            _ when restarts > 0 && 2 * restarts >= pool.MaxRestarts => (HealthStatus.Degraded, $"{name}: {restarts} worker restarts within the restart window, faulting after {pool.MaxRestarts} (MaxRestarts) ({counts})"),
            _ => (HealthStatus.Healthy, $"{name}: {counts}"),
        };
    }

    /// <summary>The fault's own message (it names the repeated cause and the options); Completion may not have faulted yet when State already says so.</summary>
    private static string FaultOf(WorkerPool pool) =>
        pool.Completion is { IsFaulted: true, Exception.InnerException: { } fault }
            ? fault.Message
            : $"workers died more than {pool.MaxRestarts} times (MaxRestarts) within the restart window";
}
