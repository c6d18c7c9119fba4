using System.Text.Json;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// The agents' registry: a key-value bucket with an entry per agent (name, host, cores, workers, busy, version,
/// heartbeat, CPU, memory, calls, crashes and its worker processes: <see cref="AgentReadings"/>), refreshed every heartbeat. The bucket's MaxAge is three heartbeats, so a dead agent's entry expires;
/// a stopping agent deletes its own.
/// </summary>
internal sealed class AgentRegistry
{
    private readonly INatsKVStore _store;
    private readonly string _name;

    private AgentRegistry(INatsKVStore store, string name)
    {
        _store = store;
        _name = name;
    }

    public static async Task<AgentRegistry> OpenAsync(INatsJSContext js, ClusterNames names, string agentName, TimeSpan heartbeat, CancellationToken cancellationToken)
    {
        var kv = new NatsKVContext(js);
        INatsKVStore store = await kv.CreateOrUpdateStoreAsync(new NatsKVConfig(names.AgentsBucket) { MaxAge = heartbeat * 3, History = 1 }, cancellationToken).ConfigureAwait(false);
        return new AgentRegistry(store, agentName);
    }

    /// <summary>Every agent registered in <paramref name="names"/>'s cluster; empty if none ever was.</summary>
    public static async Task<IReadOnlyList<ClusterAgentInfo>> ListAsync(INatsJSContext js, ClusterNames names, CancellationToken cancellationToken)
    {
        INatsKVStore store;
        try
        {
            store = await new NatsKVContext(js).GetStoreAsync(names.AgentsBucket, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsKVException || e is NatsJSApiException { Error.Code: 404 })
        {
            // No agent ever started on this cluster: its registry does not exist yet (the server says "stream not found").
            return [];
        }

        return await ListAsync(store, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every agent registered in <paramref name="store"/>.</summary>
    public static async Task<IReadOnlyList<ClusterAgentInfo>> ListAsync(INatsKVStore store, CancellationToken cancellationToken)
    {
        var agents = new List<ClusterAgentInfo>();
        await foreach (string key in store.GetKeysAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            NatsKVEntry<byte[]> entry = await store.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (entry.Value is { Length: > 0 } value && JsonSerializer.Deserialize<ClusterAgentInfo>(value) is { } agent)
            {
                agents.Add(agent);
            }
        }

        return agents;
    }

    public async Task PutAsync(ClusterAgentInfo entry, CancellationToken cancellationToken) =>
        await _store.PutAsync(_name, JsonSerializer.SerializeToUtf8Bytes(entry), cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task RemoveAsync(CancellationToken cancellationToken) =>
        await _store.PurgeAsync(_name, cancellationToken: cancellationToken).ConfigureAwait(false);
}
