using Microsoft.Extensions.Diagnostics.HealthChecks;
using Spindle;
using Spindle.Extensions.Hosting.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds a health check of Spindle worker pools to <c>services.AddHealthChecks()</c>.</summary>
public static class WorkerPoolHealthChecksBuilderExtensions
{
    /// <summary>
    /// Checks the pools named in <paramref name="pools"/>, or every registered pool when it is null or empty. A faulted,
    /// draining or stopped pool reports <paramref name="failureStatus"/> (Unhealthy by default); worker restarts at half of
    /// <see cref="WorkerPool.MaxRestarts"/> or more within the restart window, or a full queue, report Degraded. The
    /// result's data has, per pool, <c>{pool}.state</c>, <c>.workers</c>, <c>.maxWorkers</c>, <c>.busy</c>,
    /// <c>.queueLength</c>, <c>.maxQueuedCalls</c>, <c>.restarts</c> and <c>.maxRestarts</c>.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The health check's name.</param>
    /// <param name="pools">The pools to check, by registered name; null or empty for all.</param>
    /// <param name="failureStatus">What a pool that refuses calls reports; null for <see cref="HealthStatus.Unhealthy"/>.</param>
    /// <param name="tags">Tags to filter health checks by (<c>MapHealthChecks</c>'s predicate).</param>
    public static IHealthChecksBuilder AddWorkerPoolHealthCheck(
        this IHealthChecksBuilder builder,
        string name = "worker-pools",
        IEnumerable<string>? pools = null,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string[] names = pools?.ToArray() ?? [];
        if (names.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Pool names cannot be null or empty.", nameof(pools));
        }

        WorkerPoolServiceCollectionExtensions.AddPoolServices(builder.Services);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new WorkerPoolHealthCheck(provider.GetRequiredService<IWorkerPoolProvider>(), names),
            failureStatus,
            tags));
    }
}
