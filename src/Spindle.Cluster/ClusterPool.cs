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
    /// <exception cref="SpindleException">The server did not answer within <see cref="ClusterOptions.ConnectTimeout"/> (at least 5 s): it is unreachable or busy.</exception>
    public static Task<IReadOnlyList<ClusterAgentInfo>> GetAgentsAsync(this WorkerPool pool, CancellationToken cancellationToken = default) =>
        Cluster(pool).Client.ReadAgentsAsync(cancellationToken);

    /// <summary>
    /// Drains the agent named <paramref name="agentName"/>, as SIGTERM does: it fetches no more calls, finishes the ones
    /// it holds, leaves the registry and exits 0. Returns false when no agent of that name is listening.
    /// </summary>
    /// <exception cref="SpindleException">The server did not answer within <see cref="ClusterOptions.ConnectTimeout"/> (at least 5 s): it is unreachable or busy.</exception>
    public static Task<bool> DrainAgentAsync(this WorkerPool pool, string agentName, CancellationToken cancellationToken = default) =>
        Order(pool, agentName, AgentControl.Drain, cancellationToken);

    /// <summary>
    /// Kills the agent named <paramref name="agentName"/> now, with its worker processes: the calls they ran count as
    /// crashed (after <see cref="ClusterOptions.AgentSilenceTimeout"/>) and are retried as their options allow. Returns
    /// false when no agent of that name is listening.
    /// </summary>
    /// <exception cref="SpindleException">The server did not answer within <see cref="ClusterOptions.ConnectTimeout"/> (at least 5 s): it is unreachable or busy.</exception>
    public static Task<bool> KillAgentAsync(this WorkerPool pool, string agentName, CancellationToken cancellationToken = default) =>
        Order(pool, agentName, AgentControl.Kill, cancellationToken);

    /// <summary>Checks everything before anything is sent: an order given up on already (a cancelled token) must not reach the agent.</summary>
    private static Task<bool> Order(WorkerPool pool, string agentName, string command, CancellationToken cancellationToken)
    {
        ClusterBackend cluster = Cluster(pool);
        ArgumentNullException.ThrowIfNull(agentName);
        ClusterOptions.CheckName(agentName, nameof(agentName));
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        return cluster.Client.OrderAgentAsync(agentName, command, cancellationToken);
    }

    /// <summary>The cluster pool's JetStream connection and its cluster's name (for spindle serve's job store).</summary>
    internal static (NATS.Client.JetStream.INatsJSContext JetStream, string ClusterName) StorageOf(WorkerPool pool) => Cluster(pool).Client.Storage;

    /// <summary>The pool's cluster connection, for the cluster bench (its stream-only pool) and tests.</summary>
    internal static Spindle.Cluster.Client.ClusterClient ClientOf(WorkerPool pool) => Cluster(pool).Client;

    private static ClusterBackend Cluster(WorkerPool pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        ClusterBackend cluster = pool.Backend as ClusterBackend
            ?? throw new InvalidOperationException($"Pool '{pool.Name}' does not run on a cluster: only a pool created with WorkerPoolOptions.UseCluster has agents.");

        // Named as the pool, not as the connection inside it that is closed too.
        pool.ThrowIfDisposed();
        return cluster;
    }
}
