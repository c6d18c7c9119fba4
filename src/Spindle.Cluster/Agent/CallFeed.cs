using System.Globalization;
using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// The calls an agent takes from the cluster's work-queue stream: one subscription for the agent's whole life, and one
/// live pull request (one call) at a time, sent when the agent has room for a call.
/// </summary>
/// <remarks>
/// Why not the client library's fetch per call: each one subscribes to a new inbox, sends the request, starts timers
/// and unsubscribes, three protocol messages and a pile of objects on every call's path; a tiny call's round trip
/// through the cluster took about a third longer with it.
/// <code>
///  NextAsync: no live request ─► pull request {batch 1, expires 2 s}, replying to inbox.N (N: its own number)
///             ◄─ a call: returned                      ◄─ 408 (expired) / 409 / 503 on inbox.N: asked again
///             ◄─ a status on an older inbox.M: that request was given up; ignored
///  a request answered by nothing (lost with a connection, a server restart): given up and asked again once the
///  connection is back, and by the watchdog once it is older than its expiry plus a grace period
/// </code>
/// Each request replies to a subject of its own, so a status answering a request given up (one a server kept across a
/// reconnection) is not taken for the live one's and does not make the agent ask again: a request given up that was
/// not lost can bring at most one call more, never a lasting extra request. (A call itself comes on its stream
/// subject, so it cannot be told apart.) When the agent stops pulling, it listens until the live request ends (a call,
/// which goes back, or its expiry), then the inbox goes and calls already here go back.
/// </remarks>
internal sealed class CallFeed : IAsyncDisposable
{
    /// <summary>
    /// How long a pull request waits at the server for a call: short, as an agent that stops listens to its live request
    /// until it ends (<see cref="CloseAsync"/>); an idle agent asks again this often.
    /// </summary>
    private static readonly TimeSpan Expires = TimeSpan.FromSeconds(2);

    /// <summary>How long after its expiry the server's answer to a request may take to arrive.</summary>
    private static readonly TimeSpan ExpiryAnswerGrace = TimeSpan.FromMilliseconds(500);
    private static readonly long LostAfterMs = (long)(Expires + TimeSpan.FromSeconds(2)).TotalMilliseconds;

    private readonly NatsConnection _nats;
    private readonly INatsSub<byte[]> _inbox;
    private readonly string _prefix;
    private readonly string _pullSubject;
    private readonly byte[] _request;
    private readonly Action<string> _log;
    private readonly Func<CancellationToken, Task> _recreate;
    private readonly Timer _watchdog;
    private readonly Lock _lock = new();

    /// <summary>The reply subject of the live request; null when none is out.</summary>
    private string? _live;
    private long _requests;
    private long _requestedAt;
    private int _waiting;

    private CallFeed(NatsConnection nats, INatsSub<byte[]> inbox, string prefix, ClusterNames names, Action<string> log, Func<CancellationToken, Task> recreate)
    {
        _nats = nats;
        _inbox = inbox;
        _prefix = prefix;
        _log = log;
        _recreate = recreate;
        _pullSubject = $"$JS.API.CONSUMER.MSG.NEXT.{names.Stream}.{names.Consumer}";
        long expiresNs = (long)Expires.TotalMilliseconds * 1_000_000;
        _request = Encoding.ASCII.GetBytes($"{{\"batch\":1,\"expires\":{expiresNs.ToString(CultureInfo.InvariantCulture)}}}");
        _nats.ConnectionOpened += OnReconnectedAsync;
        _watchdog = new Timer(_ => AskAgainIfLost(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <param name="nats">The agent's connection.</param>
    /// <param name="names">The cluster's names.</param>
    /// <param name="log">Where the feed says what went wrong.</param>
    /// <param name="recreate">Puts the calls stream and the agents' consumer back, when the server says they are gone.</param>
    /// <param name="cancellationToken">Gives up opening.</param>
    public static async Task<CallFeed> OpenAsync(NatsConnection nats, ClusterNames names, Action<string> log, Func<CancellationToken, Task> recreate, CancellationToken cancellationToken)
    {
        // Not under nats.NewInbox(): that is the connection's own request inbox, whose wildcard subscription (made by
        // the first request, e.g. a KV put) would take the calls meant for this one and drop them.
        string prefix = $"_INBOX.{Guid.NewGuid():N}";

        // Not ended by the start's token, which the agent's stop (SIGTERM) cancels too: the feed's close listens to its
        // live request before it lets the inbox go (CloseAsync), and DisposeAsync ends it.
        cancellationToken.ThrowIfCancellationRequested();
        INatsSub<byte[]> inbox = await nats.SubscribeCoreAsync<byte[]>(prefix + ".*", cancellationToken: CancellationToken.None).ConfigureAwait(false);
        return new CallFeed(nats, inbox, prefix, names, log, recreate);
    }

    /// <summary>The next call for this agent; waits until one comes or <paramref name="stop"/>.</summary>
    public async ValueTask<CallDelivery> NextAsync(CancellationToken stop)
    {
        Volatile.Write(ref _waiting, 1);
        try
        {
            while (true)
            {
                if (LiveRequest() is null)
                {
                    await RequestAsync(stop).ConfigureAwait(false);
                }

                NatsMsg<byte[]> message = await _inbox.Msgs.ReadAsync(stop).ConfigureAwait(false);
                if (message.Headers is { Code: >= 100 } status)
                {
                    // A status comes on the reply subject of the request it answers: one for a request given up is
                    // ignored (it must not make the agent ask again, which would keep an extra request out for good).
                    if (Answered(message.Subject))
                    {
                        await OnStatusAsync(status, stop).ConfigureAwait(false);
                    }

                    continue;
                }

                // A call comes on its own subject, not the request's: it is taken as the live request's answer. Had it
                // answered one given up, the live one may bring one call more, which waits here for the next room.
                GiveUp();
                return new CallDelivery(_nats, message);
            }
        }
        finally
        {
            Volatile.Write(ref _waiting, 0);
        }
    }

    /// <summary>
    /// Stops asking: the live request is listened to until the server answers it (a call, which goes back, or its
    /// expiry), then the inbox goes, and a call already here goes back.
    /// </summary>
    /// <remarks>
    /// Unsubscribing at once would race the server: until it has read the unsubscribe it may hand the live request a
    /// call, which arrives for a subscription the client library no longer has and is dropped there, unacked, so it
    /// waits out AckWait (an hour, for some) before another agent gets it. A request's expiry is short for this.
    /// </remarks>
    public async ValueTask CloseAsync()
    {
        string? live;
        long requestedAt;
        lock (_lock)
        {
            live = _live;
            requestedAt = _requestedAt;
        }

        if (live is not null)
        {
            long left = requestedAt + (long)(Expires + ExpiryAnswerGrace).TotalMilliseconds - Environment.TickCount64;
            using var bounded = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(left, 0)));
            try
            {
                while (LiveRequest() is not null)
                {
                    NatsMsg<byte[]> message = await _inbox.Msgs.ReadAsync(bounded.Token).ConfigureAwait(false);
                    if (message.Headers is { Code: >= 100 })
                    {
                        // The live request's end (expired, or refused) ends the wait; an older one's is ignored.
                        _ = Answered(message.Subject);
                        continue;
                    }

                    GiveUp();
                    await PutBackAsync(new CallDelivery(_nats, message)).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (bounded.IsCancellationRequested)
            {
                // Lost with a connection, or not answered in time: nothing more will come for it.
            }
            catch (System.Threading.Channels.ChannelClosedException)
            {
                // The subscription ended already (the agent's start token, cancelled by its stop, ends it).
            }
        }

        GiveUp();
        await _inbox.UnsubscribeAsync().ConfigureAwait(false);
        while (_inbox.Msgs.TryRead(out NatsMsg<byte[]> message))
        {
            if (message.ReplyTo is not null && message.Headers is not { Code: >= 100 })
            {
                await PutBackAsync(new CallDelivery(_nats, message)).ConfigureAwait(false);
            }
        }
    }

    private string? LiveRequest()
    {
        lock (_lock)
        {
            return _live;
        }
    }

    private async ValueTask RequestAsync(CancellationToken stop)
    {
        string reply;
        lock (_lock)
        {
            reply = $"{_prefix}.{(++_requests).ToString(CultureInfo.InvariantCulture)}";
            _live = reply;
            _requestedAt = Environment.TickCount64;
        }

        try
        {
            await _nats.PublishAsync(_pullSubject, _request, replyTo: reply, cancellationToken: stop).ConfigureAwait(false);
        }
        catch
        {
            GiveUp(reply);
            throw;
        }
    }

    /// <summary>Whether <paramref name="subject"/> is the live request's: if so, that request is answered and none is out.</summary>
    private bool Answered(string subject)
    {
        lock (_lock)
        {
            if (_live != subject)
            {
                return false;
            }

            _live = null;
            return true;
        }
    }

    private void GiveUp(string? reply = null)
    {
        lock (_lock)
        {
            if (reply is null || _live == reply)
            {
                _live = null;
            }
        }
    }

    private async ValueTask PutBackAsync(CallDelivery call)
    {
        try
        {
            await call.NakAsync(TimeSpan.Zero).ConfigureAwait(false);
        }
        catch (NatsException e)
        {
            // Not acked either: JetStream delivers it again after AckWait.
            _log($"could not put back a call it had not asked for: {e.Message}");
        }
    }

    /// <summary>A status instead of a call: the request expired (408, the common one), or the server refused it.</summary>
    private async ValueTask OnStatusAsync(NatsHeaders status, CancellationToken stop)
    {
        if (status.Code is 100 or 408)
        {
            // 100: an idle heartbeat (not asked for); 408: the request expired with no call for it, and is asked again.
            return;
        }

        // 409 (e.g. too many waiting requests, the consumer deleted), 404 or 503 (no such consumer or stream, no
        // JetStream): asked again after a second. A consumer or stream that is gone (an operator deleted it, a server
        // that lost its store) is put back first: otherwise the agent would ask for ever, and callers' calls would wait.
        _log($"the server did not give a call ({status.Code} {status.MessageText}); asking again in a second.");
        await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
        if (status.Code is 404 or 503 || (status.Code == 409 && status.MessageText?.Contains("Consumer Deleted", StringComparison.OrdinalIgnoreCase) == true))
        {
            await RestoreCallsAsync(stop).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Puts the calls stream and the agents' consumer back, trying every second until it can (or the agent stops): a
    /// pull request to a consumer that is gone may get no answer at all, so no later refusal would ask for this again,
    /// and an agent that stopped trying would sit in the registry taking nothing. Said once, then once a minute.
    /// </summary>
    private async ValueTask RestoreCallsAsync(CancellationToken stop)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await _recreate(stop).ConfigureAwait(false);
                _log("the calls stream and the agents' consumer are there (put back if they were gone).");
                return;
            }
            catch (Exception e) when (e is NatsException or TimeoutException or SpindleException)
            {
                if (attempt % 60 == 0)
                {
                    _log($"could not put the calls stream and the agents' consumer back ({e.Message}); trying again every second.");
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
        }
    }

    /// <summary>A reconnected connection may have lost the server's waiting request: it is given up, and asked again.</summary>
    private ValueTask OnReconnectedAsync(object? sender, NatsEventArgs args)
    {
        GiveUp();
        RequestIfWaiting();
        return ValueTask.CompletedTask;
    }

    private void AskAgainIfLost()
    {
        bool lost;
        lock (_lock)
        {
            lost = _live is not null && Environment.TickCount64 - _requestedAt > LostAfterMs;
            if (lost)
            {
                _live = null;
            }
        }

        if (lost)
        {
            RequestIfWaiting();
        }
    }

    private void RequestIfWaiting()
    {
        if (Volatile.Read(ref _waiting) == 1 && _nats.ConnectionState == NatsConnectionState.Open && LiveRequest() is null)
        {
            _ = SendQuietlyAsync();
        }
    }

    private async Task SendQuietlyAsync()
    {
        try
        {
            await RequestAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
        {
            // The watchdog asks again.
            _log($"could not ask for a call: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _nats.ConnectionOpened -= OnReconnectedAsync;
        await _watchdog.DisposeAsync().ConfigureAwait(false);
        // Quietly (ConnectionClose.cs): the agent's end reports an unclean close of the connection itself.
        await ConnectionClose.EndAsync(_inbox).ConfigureAwait(false);
    }
}
