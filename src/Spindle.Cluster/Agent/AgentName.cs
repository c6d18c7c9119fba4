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
/// <code>
///  1. ask, not yet listening ─► "serving …"            ─► fail, naming the agent that holds the name
///                             ─► no responders          ─► 2
///                             ─► silence for WhoTimeout ─► log it (a paused agent, or one cut off and not yet
///                                                          dropped by the server), 2
///  2. listen, ask again with a token of its own, hear answers for StartersWindow
///                             ─► "serving …"            ─► fail, as in 1
///                             ─► "starting TOKEN …" (another agent of this name between 2 and holding it)
///                                                        ─► the smaller token holds the name, the other fails
///  3. hold: answer "serving …" until disposed
/// </code>
/// Step 1 makes a start with nobody else listening quick, and tells a silent listener from none. Step 2 closes the
/// race of two agents starting at the same moment: each listens before it asks, so of any two starters at least one
/// hears the other's question. The one that hears answers with its token and, if the asker's token is the smaller,
/// gives way itself; the asker, hearing the answer, gives way if the answerer's token is the smaller. Exactly one of
/// them holds the name, as long as an answer arrives within <see cref="StartersWindow"/>. Agents of a version before
/// this check do not answer it; those before step 2 answer "serving" to any question.
/// </remarks>
internal sealed class AgentName : IAsyncDisposable
{
    /// <summary>How long step 1 waits for an agent holding its name to answer.</summary>
    private static readonly TimeSpan WhoTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long step 2 listens for answers: one from a live agent on the same server comes within milliseconds.</summary>
    internal static readonly TimeSpan StartersWindow = TimeSpan.FromMilliseconds(200);

    private const string Serving = "serving ";
    private const string Starting = "starting ";

    private readonly INatsSub<byte[]> _who;
    private readonly Task _answering;
    private readonly string _token = Guid.NewGuid().ToString("N");
    private readonly string _self = $"host {Environment.MachineName}, process {Environment.ProcessId}";
    private readonly Lock _lock = new();

    /// <summary>True once this agent holds its name: from then on it answers "serving".</summary>
    private bool _holding;

    /// <summary>Another starter with a smaller token whose question this one answered: this one gives way to it.</summary>
    private string? _yieldTo;

    private AgentName(INatsSub<byte[]> who)
    {
        _who = who;
        _answering = AnswerAsync();
    }

    /// <summary>Fails if another agent holds <paramref name="agent"/> in the cluster; otherwise holds it until disposed.</summary>
    public static async Task<AgentName> HoldAsync(NatsConnection nats, ClusterNames names, string agent, string server, TextWriter log, CancellationToken cancellationToken)
    {
        string subject = names.AgentWho(agent);
        await AskNotListeningAsync(nats, names, agent, server, log, cancellationToken).ConfigureAwait(false);
        var name = new AgentName(await nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: cancellationToken).ConfigureAwait(false));
        try
        {
            await name.AskListeningAsync(nats, names, agent, server, cancellationToken).ConfigureAwait(false);
            return name;
        }
        catch
        {
            await name.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Step 1.</summary>
    private static async Task AskNotListeningAsync(NatsConnection nats, ClusterNames names, string agent, string server, TextWriter log, CancellationToken cancellationToken)
    {
        try
        {
            NatsMsg<byte[]> answer = await nats.RequestAsync<byte[], byte[]>(names.AgentWho(agent), [], replyOpts: new NatsSubOpts { Timeout = WhoTimeout },
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (!answer.HasNoResponders && Parse(answer.Data) is { Token: null } holder)
            {
                throw Taken(names, agent, server, holder.Who);
            }

            // Another starter between steps 2 and 3: step 2 settles which of the two holds the name.
        }
        catch (NatsNoRespondersException)
        {
        }
        catch (Exception e) when (e is NatsNoReplyException or NatsTimeoutException or TimeoutException)
        {
            log.WriteLine($"spindle agent {agent}: something listens under this name in cluster '{names.Cluster}' but did not answer within {WhoTimeout.TotalSeconds:0} s " +
                "(an agent of this name paused, or cut off and not yet dropped by the server); starting anyway.");
        }
    }

    /// <summary>Step 2: asks with this agent's token while answering, hears every answer for <see cref="StartersWindow"/>, then holds the name or fails.</summary>
    private async Task AskListeningAsync(NatsConnection nats, ClusterNames names, string agent, string server, CancellationToken cancellationToken)
    {
        string inbox = "_INBOX." + Guid.NewGuid().ToString("N");
        string? giveWayTo = null;
        INatsSub<byte[]> answers = await nats.SubscribeCoreAsync<byte[]>(inbox, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (answers.ConfigureAwait(false))
        {
            await nats.PublishAsync(names.AgentWho(agent), Encoding.UTF8.GetBytes($"{_token} {_self}"), replyTo: inbox, cancellationToken: cancellationToken).ConfigureAwait(false);
            using var window = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            window.CancelAfter(StartersWindow);
            try
            {
                await foreach (NatsMsg<byte[]> answer in answers.Msgs.ReadAllAsync(window.Token).ConfigureAwait(false))
                {
                    switch (Parse(answer.Data))
                    {
                        case { Token: null } holder:
                            throw Taken(names, agent, server, holder.Who);
                        case { Token: { } other } starter when string.CompareOrdinal(other, _token) < 0:
                            giveWayTo ??= starter.Who;
                            break;
                    }
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The window is over.
            }
        }

        lock (_lock)
        {
            giveWayTo ??= _yieldTo;
            _holding = giveWayTo is null;
        }

        if (giveWayTo is not null)
        {
            throw new SpindleException($"Another agent named '{agent}' started in cluster '{names.Cluster}' at '{ServerAddress.Redacted(server)}' at the same moment ({giveWayTo}), and holds the name: " +
                "two agents of one name would both run the calls offered to that name. Give this one another --name.");
        }
    }

    private static SpindleException Taken(ClusterNames names, string agent, string server, string holder) =>
        new($"An agent named '{agent}' already serves cluster '{names.Cluster}' at '{ServerAddress.Redacted(server)}' ({holder}): " +
            "two agents of one name would both run the calls offered to that name. Give this one another --name.");

    /// <summary>
    /// An answer: "serving WHO" (or, from an agent of a version before step 2, just WHO) holds the name, Token null;
    /// "starting TOKEN WHO" is another starter.
    /// </summary>
    private static (string? Token, string Who) Parse(byte[]? data)
    {
        string text = Encoding.UTF8.GetString(data ?? []);
        if (text.StartsWith(Starting, StringComparison.Ordinal))
        {
            string rest = text[Starting.Length..];
            int space = rest.IndexOf(' ', StringComparison.Ordinal);
            return space > 0 ? (rest[..space], rest[(space + 1)..]) : (rest, "another starting agent");
        }

        return (null, text.StartsWith(Serving, StringComparison.Ordinal) ? text[Serving.Length..] : text);
    }

    private async Task AnswerAsync()
    {
        try
        {
            await foreach (NatsMsg<byte[]> question in _who.Msgs.ReadAllAsync().ConfigureAwait(false))
            {
                // A question is "TOKEN WHO" from a starter in step 2 (this agent's own included: not answered), empty in step 1.
                string text = Encoding.UTF8.GetString(question.Data ?? []);
                int space = text.IndexOf(' ', StringComparison.Ordinal);
                string? asker = space > 0 ? text[..space] : null;
                if (asker == _token)
                {
                    continue;
                }

                string answer;
                lock (_lock)
                {
                    if (_holding)
                    {
                        answer = Serving + _self;
                    }
                    else
                    {
                        answer = $"{Starting}{_token} {_self}";
                        if (asker is not null && string.CompareOrdinal(asker, _token) < 0)
                        {
                            _yieldTo ??= text[(space + 1)..];
                        }
                    }
                }

                try
                {
                    await question.ReplyAsync(Encoding.UTF8.GetBytes(answer)).ConfigureAwait(false);
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
        // Quietly (ConnectionClose.cs): the agent's end reports an unclean close of the connection itself.
        await ConnectionClose.EndAsync(_who).ConfigureAwait(false);
        await _answering.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
