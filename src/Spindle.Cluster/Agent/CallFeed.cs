using System.Globalization;
using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// The calls an agent takes from the cluster's work-queue stream: one subscription for the agent's whole life, and one
/// pull request (one call) at a time, sent when the agent has room for a call.
/// </summary>
/// <remarks>
/// Why not the client library's fetch per call: each one subscribes to a new inbox, sends the request, starts timers
/// and unsubscribes, three protocol messages and a pile of objects on every call's path; a tiny call's round trip
/// through the cluster was a fifth slower with it.
/// <code>
///  NextAsync: no request outstanding ─► pull request {batch 1, expires 5 s}, reply to the feed's inbox
///             ◄─ a call: returned                      ◄─ 408 (expired) / 409 / 503: counted, asked again
///  a request answered by nothing (lost with a connection, a server restart): asked again once the connection
///  is back, and by the watchdog once it is older than its expiry plus a grace period
/// </code>
/// </remarks>
internal sealed class CallFeed : IAsyncDisposable
{
    private static readonly TimeSpan Expires = TimeSpan.FromSeconds(5);
    private static readonly long LostAfterMs = (long)(Expires + TimeSpan.FromSeconds(2)).TotalMilliseconds;

    private readonly NatsConnection _nats;
    private readonly INatsSub<byte[]> _inbox;
    private readonly string _pullSubject;
    private readonly byte[] _request;
    private readonly Action<string> _log;
    private readonly Timer _watchdog;
    private int _outstanding;
    private long _requestedAt;
    private int _waiting;

    private CallFeed(NatsConnection nats, INatsSub<byte[]> inbox, ClusterNames names, Action<string> log)
    {
        _nats = nats;
        _inbox = inbox;
        _log = log;
        _pullSubject = $"$JS.API.CONSUMER.MSG.NEXT.{names.Stream}.{names.Consumer}";
        long expiresNs = (long)Expires.TotalMilliseconds * 1_000_000;
        _request = Encoding.ASCII.GetBytes($"{{\"batch\":1,\"expires\":{expiresNs.ToString(CultureInfo.InvariantCulture)}}}");
        _nats.ConnectionOpened += OnReconnectedAsync;
        _watchdog = new Timer(_ => AskAgainIfLost(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public static async Task<CallFeed> OpenAsync(NatsConnection nats, ClusterNames names, Action<string> log, CancellationToken cancellationToken)
    {
        // Not nats.NewInbox(): that is under the connection's own request inbox, whose wildcard subscription (made by
        // the first request, e.g. a KV put) would take the calls meant for this one and drop them.
        string subject = $"_INBOX.{Guid.NewGuid():N}";
        INatsSub<byte[]> inbox = await nats.SubscribeCoreAsync<byte[]>(subject, cancellationToken: cancellationToken).ConfigureAwait(false);
        return new CallFeed(nats, inbox, names, log);
    }

    /// <summary>The next call for this agent; waits until one comes or <paramref name="stop"/>.</summary>
    public async ValueTask<CallDelivery> NextAsync(CancellationToken stop)
    {
        Volatile.Write(ref _waiting, 1);
        try
        {
            while (true)
            {
                if (Volatile.Read(ref _outstanding) <= 0)
                {
                    await RequestAsync(stop).ConfigureAwait(false);
                }

                NatsMsg<byte[]> message = await _inbox.Msgs.ReadAsync(stop).ConfigureAwait(false);
                if (message.Headers is { Code: >= 100 } status)
                {
                    await OnStatusAsync(status, stop).ConfigureAwait(false);
                    continue;
                }

                Answered();
                return new CallDelivery(_nats, message);
            }
        }
        finally
        {
            Volatile.Write(ref _waiting, 0);
        }
    }

    private async ValueTask RequestAsync(CancellationToken stop)
    {
        Interlocked.Increment(ref _outstanding);
        Volatile.Write(ref _requestedAt, Environment.TickCount64);
        await _nats.PublishAsync(_pullSubject, _request, replyTo: _inbox.Subject, cancellationToken: stop).ConfigureAwait(false);
    }

    /// <summary>A status instead of a call: the request expired (408, the common one), or the server refused it.</summary>
    private async ValueTask OnStatusAsync(NatsHeaders status, CancellationToken stop)
    {
        if (status.Code == 100)
        {
            // An idle heartbeat: the request is still waiting.
            return;
        }

        Answered();
        if (status.Code != 408)
        {
            // 409 (the consumer is being recreated, too many waiting requests), 503 (no JetStream): try again shortly.
            _log($"the server did not give a call ({status.Code} {status.Message}); asking again in a second.");
            await Task.Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
        }
    }

    private void Answered()
    {
        if (Interlocked.Decrement(ref _outstanding) < 0)
        {
            // The answer to a request counted as lost: it was not.
            Interlocked.Exchange(ref _outstanding, 0);
        }
    }

    /// <summary>A reconnected connection has lost the server's waiting requests: the next wait asks again.</summary>
    private ValueTask OnReconnectedAsync(object? sender, NatsEventArgs args)
    {
        Interlocked.Exchange(ref _outstanding, 0);
        RequestIfWaiting();
        return ValueTask.CompletedTask;
    }

    private void AskAgainIfLost()
    {
        if (Volatile.Read(ref _outstanding) > 0 && Environment.TickCount64 - Volatile.Read(ref _requestedAt) > LostAfterMs)
        {
            Interlocked.Exchange(ref _outstanding, 0);
            RequestIfWaiting();
        }
    }

    private void RequestIfWaiting()
    {
        if (Volatile.Read(ref _waiting) == 1 && _nats.ConnectionState == NatsConnectionState.Open)
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
        await _inbox.DisposeAsync().ConfigureAwait(false);
    }
}
