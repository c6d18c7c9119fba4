using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// One agent per name in a cluster. Two agents of one name would both subscribe to the name's subject, so both would
/// run every call offered to that name directly, and take each other's orders and stops. An agent starting asks
/// <c>spindle.&lt;cluster&gt;.agent.&lt;name&gt;.who</c>, a subject of its own so that an agent may ask it without
/// being allowed to send orders (docs/cluster-nats-server.conf), and then answers it itself until it stops.
/// </summary>
/// <remarks>
/// An agent that answers holds the name: the new one fails, naming its host and process. One subscribed but silent
/// for <see cref="WhoTimeout"/> (paused, or cut off and not yet dropped by the server) does not stop the start, which
/// only logs it: an agent restarted after its machine went down must not wait minutes for the server to drop the old
/// connection. Two agents of one name starting within the same moment can both pass; agents of a version before this
/// check do not answer it.
/// </remarks>
internal sealed class AgentName : IAsyncDisposable
{
    /// <summary>How long a start waits for an agent holding its name to answer.</summary>
    private static readonly TimeSpan WhoTimeout = TimeSpan.FromSeconds(2);

    private readonly INatsSub<byte[]> _who;
    private readonly Task _answering;

    private AgentName(INatsSub<byte[]> who)
    {
        _who = who;
        _answering = AnswerAsync();
    }

    /// <summary>Fails if another agent holds <paramref name="agent"/> in the cluster; otherwise holds it until disposed.</summary>
    public static async Task<AgentName> HoldAsync(NatsConnection nats, ClusterNames names, string agent, string server, TextWriter log, CancellationToken cancellationToken)
    {
        string subject = names.AgentWho(agent);
        try
        {
            NatsMsg<byte[]> answer = await nats.RequestAsync<byte[], byte[]>(subject, [], replyOpts: new NatsSubOpts { Timeout = WhoTimeout }, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!answer.HasNoResponders)
            {
                throw new SpindleException($"An agent named '{agent}' already serves cluster '{names.Cluster}' at '{server}' ({Encoding.UTF8.GetString(answer.Data ?? [])}): " +
                    "two agents of one name would both run the calls offered to that name. Give this one another --name.");
            }
        }
        catch (NatsNoRespondersException)
        {
        }
        catch (Exception e) when (e is NatsNoReplyException or NatsTimeoutException or TimeoutException)
        {
            log.WriteLine($"spindle agent {agent}: something listens under this name in cluster '{names.Cluster}' but did not answer within {WhoTimeout.TotalSeconds:0} s " +
                "(an agent of this name paused, or cut off and not yet dropped by the server); starting anyway.");
        }

        return new AgentName(await nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: cancellationToken).ConfigureAwait(false));
    }

    private async Task AnswerAsync()
    {
        byte[] self = Encoding.UTF8.GetBytes($"host {Environment.MachineName}, process {Environment.ProcessId}");
        try
        {
            await foreach (NatsMsg<byte[]> question in _who.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                try
                {
                    await question.ReplyAsync(self).ConfigureAwait(false);
                }
                catch (NatsException)
                {
                    // The asker has gone: nothing to tell.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Unsubscribed.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _who.DisposeAsync().ConfigureAwait(false);
        await _answering.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
