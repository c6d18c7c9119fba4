using Spindle.Cluster.Client;

namespace Spindle;

/// <summary>What a cluster pool can tell beyond what every pool can.</summary>
public static class ClusterPool
{
    /// <summary>The agents registered in the pool's cluster now, with their workers and how busy they are.</summary>
    public static Task<IReadOnlyList<ClusterAgentInfo>> GetAgentsAsync(this WorkerPool pool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Backend is ClusterBackend cluster
            ? cluster.Client.ListAgentsAsync(cancellationToken)
            : throw new InvalidOperationException($"Pool '{pool.Name}' does not run on a cluster: only a pool created with WorkerPoolOptions.UseCluster has agents.");
    }
}
