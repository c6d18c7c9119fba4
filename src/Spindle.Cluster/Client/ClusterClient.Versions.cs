using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Client;

/// <summary>
/// Agents of another protocol version (another Spindle version) are not given this client's calls, which wait for an
/// agent of its own (Nats/ClusterNames.CallsOf). A pool that finds such agents registered when it starts says so in its
/// log, naming each and how many of its own version there are: with none, its calls wait until one starts.
/// </summary>
internal sealed partial class ClusterClient
{
    private async Task WarnOfOtherVersionsAsync()
    {
        IReadOnlyList<ClusterAgentInfo> agents;
        try
        {
            agents = await ListAgentsAsync(_stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or System.Text.Json.JsonException)
        {
            // Only a warning: a pool that cannot read the registry now runs as well without it.
            return;
        }

        int matching = agents.Count(a => a.Protocol == ClusterHeaders.ProtocolVersion);
        foreach (ClusterAgentInfo agent in agents.Where(a => a.Protocol != ClusterHeaders.ProtocolVersion))
        {
            LogOtherVersion(agent.Name, agent.Protocol, agent.Version, ClusterHeaders.ProtocolVersion, ClusterHeaders.SpindleVersion, matching);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {Agent} speaks cluster protocol {AgentProtocol} (Spindle {AgentVersion}) and this pool protocol {Protocol} (Spindle {Version}); " +
        "agents of this pool's version registered: {Matching}. Run agents and clients of the same Spindle version.")]
    private partial void LogOtherVersion(string agent, int agentProtocol, string agentVersion, int protocol, string version, int matching);
}
