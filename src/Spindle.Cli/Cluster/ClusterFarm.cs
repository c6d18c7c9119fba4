using NATS.Client.Core;
using NATS.Client.JetStream;
using Spindle.Cluster.Agent;
using Spindle.Cluster.Nats;
using Spindle.Render;

namespace Spindle.Cli.Cluster;

/// <summary>
/// A render farm whose pool runs on a cluster's agents (<c>spindle render --cluster</c>, <c>spindle cluster demo</c>).
/// Before the pool is made, one look at the cluster's registry: a server that cannot be reached, credentials that are
/// refused or a cluster with no agent fail here, naming the option, instead of a render that waits for ever.
/// </summary>
internal sealed record ClusterFarm(RenderFarm Farm, IReadOnlyList<ClusterAgentInfo> Agents, int FramesInFlight)
{
    /// <summary>
    /// Opens the farm. <paramref name="framesInFlight"/> is how many frames the pool keeps in the cluster at once; by
    /// default twice the agents' workers, so each agent finds its next frame waiting when it finishes one.
    /// </summary>
    /// <exception cref="SpindleException">The cluster cannot be reached, refuses the credentials, or has no agent.</exception>
    public static async Task<ClusterFarm> OpenAsync(ClusterOptions target, int? framesInFlight, CancellationToken cancellationToken)
    {
        IReadOnlyList<ClusterAgentInfo> agents = await ListAgentsAsync(target, cancellationToken);
        if (agents.Count == 0)
        {
            throw new SpindleException(
                $"No spindle agent serves cluster '{target.ClusterName}' at {ServerAddress.Redacted(target.Server)} (--cluster, --cluster-name): " +
                $"start one with `spindle agent --server {ServerAddress.Redacted(target.Server)} --cluster {target.ClusterName}`.");
        }

        int inFlight = framesInFlight ?? Math.Max(1, 2 * agents.Sum(a => a.Workers));
        var poolOptions = new WorkerPoolOptions
        {
            Name = "spindle-render",
            Workers = inFlight,

            // When the farm is disposed its frames are done or cancelled; a server or agent that went away with them
            // (Ctrl+C on a terminal reaches the demo's agents too, and a user's own server may be stopped with it)
            // must not hold up the exit.
            DrainTimeout = TimeSpan.FromSeconds(10),
        }.UseCluster(target);
        return new ClusterFarm(new RenderFarm(poolOptions, workersOnOtherMachines: true), agents.OrderBy(a => a.Name, StringComparer.Ordinal).ToArray(), inFlight);
    }

    /// <summary>The agents registered in the cluster now, read on a connection of its own named after <paramref name="command"/>.</summary>
    public static async Task<IReadOnlyList<ClusterAgentInfo>> ListAgentsAsync(ClusterOptions target, CancellationToken cancellationToken, string command = "spindle render")
    {
        NatsConnection nats = await ClusterConnection.ConnectAsync(target.Server!, target.Credentials(), command, target.ConnectTimeout, cancellationToken);
        try
        {
            return await AgentRegistry.ListAsync(new NatsJSContext(nats), new ClusterNames(target.ClusterName), cancellationToken);
        }
        catch (NatsException e)
        {
            throw new SpindleException($"Could not read the agents of cluster '{target.ClusterName}' at {ServerAddress.Redacted(target.Server)} (--cluster): {e.Message}. Is JetStream enabled there (nats-server -js)?", e);
        }
        finally
        {
            // What the read found (or why it failed) is the answer; how the connection closed after it is not.
            await ConnectionClose.CloseAsync(nats);
        }
    }
}
