using Spindle.Cluster.Agent;
using Spindle.Cluster.Client;

namespace Spindle;

/// <summary>What a cluster pool can tell and do beyond what every pool can.</summary>
public static class ClusterPool
{
    /// <summary>Whether the pool's calls run on a cluster's agents (<see cref="ClusterPoolOptions.UseCluster"/>).</summary>
    public static bool RunsOnCluster(this WorkerPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Backend is ClusterBackend;
    }

    /// <summary>The agents registered in the pool's cluster now, with their workers and how busy they are.</summary>
    public static Task<IReadOnlyList<ClusterAgentInfo>> GetAgentsAsync(this WorkerPool pool, CancellationToken cancellationToken = default) =>
        Cluster(pool).Client.ListAgentsAsync(cancellationToken);

    /// <summary>
    /// Drains the agent named <paramref name="agentName"/>, as SIGTERM does: it fetches no more calls, finishes the ones
    /// it holds, leaves the registry and exits 0. Returns false when no agent of that name is listening.
    /// </summary>
    public static Task<bool> DrainAgentAsync(this WorkerPool pool, string agentName, CancellationToken cancellationToken = default) =>
        Cluster(pool).Client.OrderAgentAsync(agentName, AgentControl.Drain, cancellationToken);

    /// <summary>
    /// Kills the agent named <paramref name="agentName"/> now, with its worker processes: the calls they ran count as
    /// crashed (after <see cref="ClusterOptions.AgentSilenceTimeout"/>) and are retried as their options allow. Returns
    /// false when no agent of that name is listening.
    /// </summary>
    public static Task<bool> KillAgentAsync(this WorkerPool pool, string agentName, CancellationToken cancellationToken = default) =>
        Cluster(pool).Client.OrderAgentAsync(agentName, AgentControl.Kill, cancellationToken);

    /// <summary>The cluster pool's JetStream connection and its cluster's name (for spindle serve's job store).</summary>
    internal static (NATS.Client.JetStream.INatsJSContext JetStream, string ClusterName) StorageOf(WorkerPool pool) => Cluster(pool).Client.Storage;

    /// <summary>The pool's cluster connection, for the cluster bench (its stream-only pool) and tests.</summary>
    internal static Spindle.Cluster.Client.ClusterClient ClientOf(WorkerPool pool) => Cluster(pool).Client;

    private static ClusterBackend Cluster(WorkerPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        return pool.Backend as ClusterBackend
            ?? throw new InvalidOperationException($"Pool '{pool.Name}' does not run on a cluster: only a pool created with WorkerPoolOptions.UseCluster has agents.");
    }
}
