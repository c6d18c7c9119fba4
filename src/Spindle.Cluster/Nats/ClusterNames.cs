namespace Spindle.Cluster.Nats;

/// <summary>Every stream, subject and bucket of one cluster, all named after it so clusters can share a server.</summary>
internal sealed class ClusterNames(string cluster)
{
    public string Cluster { get; } = cluster;

    /// <summary>The work-queue stream holding calls until an agent has taken them.</summary>
    public string Stream => $"SPINDLE_{Cluster}_CALLS";

    /// <summary>Every subject of the calls stream: one per protocol version (<see cref="CallsOf"/>).</summary>
    public string CallSubjects => $"spindle.{Cluster}.calls.>";

    /// <summary>Where clients of this build's protocol version publish calls.</summary>
    public string Calls => CallsOf(ClusterHeaders.ProtocolText);

    /// <summary>
    /// Where clients of protocol version <paramref name="protocol"/> publish calls. Each version has its own subject,
    /// and its agents their own consumer filtered on it (<see cref="Consumer"/>): an agent is never given a call of
    /// another version, which waits in the stream for an agent of its own (docs/cluster.md, "Versions").
    /// </summary>
    public string CallsOf(string protocol) => $"spindle.{Cluster}.calls.p{protocol}";

    /// <summary>The durable pull consumer every agent of this build's protocol version fetches from, filtered on <see cref="Calls"/>.</summary>
    public string Consumer => $"agents-p{ClusterHeaders.ProtocolText}";

    /// <summary>The agents' registry (key-value).</summary>
    public string AgentsBucket => $"spindle_{Cluster}_agents";

    /// <summary>App builds, by content hash (object store).</summary>
    public string BuildsBucket => $"spindle_{Cluster}_builds";

    /// <summary>Arguments and results above the server's max_payload, by call key (object store).</summary>
    public string ValuesBucket => $"spindle_{Cluster}_values";

    /// <summary>A client's inbox: claims, signs of life, results.</summary>
    public string Client(string clientId) => $"spindle.{Cluster}.client.{clientId}";

    /// <summary>An agent's control subject: cancellations of the calls it runs.</summary>
    public string Agent(string agentName) => $"spindle.{Cluster}.agent.{agentName}";

    /// <summary>
    /// Where the workers of an agent's pool for one build and serializer take lone calls themselves (a queue group, see
    /// Lanes/WorkerLane.cs): named after the build and serializer, so a caller finds the workers running its own code.
    /// </summary>
    public string Lane(string agentName, string build, string? serializer)
    {
        byte[] hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{build}|{serializer}"));
        return $"{Agent(agentName)}.lane.{Convert.ToHexStringLower(hash.AsSpan(0, 8))}";
    }

    /// <summary>What every lane of an agent's workers listens to: stops of the calls they run, and the agent's order to close.</summary>
    public string Lanes(string agentName) => $"{Agent(agentName)}.lanes";

    /// <summary>Where an agent starting under a name asks whether another one holds it (Agent/AgentName.cs).</summary>
    public string AgentWho(string agentName) => $"{Agent(agentName)}.who";
}
