using System.Text;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Client;

/// <summary>
/// Calls whose message left the stream without running are sent again. A message leaves the work-queue stream when an
/// agent acks it (after this client confirmed its result: the call has ended), when this client deletes it (every
/// call in it withdrawn), or when nobody tells this client: an agent drops it after MaxDeliver claims this client did
/// not answer (it was cut off for minutes), an operator deletes or purges the stream, a server loses its store. Without
/// this, such a call would wait for its timeout, or for ever with none.
/// </summary>
/// <remarks>
/// <code>
///  every LostCheckEvery, while connected: the messages of calls waiting for an agent, stored (the server confirmed
///  them) at least LostCheckEvery ago; none ─► nothing asked of the server
///     ─► the stream's info (one request; gone ─► created again)
///     ─► a sweep when it may have lost some: a reconnect since the last sweep, the stream created anew, fewer
///        messages in it than this client waits for, or SweepEveryMs since the last sweep
///  sweep: each such message, oldest first (at most MaxChecksPerSweep), looked up by its sequence number; not there,
///         or another message there (a stream created anew numbers from 1) ─► sent again under a new id
///         (CallMessage.TakeForResend), until the server stores it, as any unconfirmed call is
/// </code>
/// A message still in the stream is never sent again, so a call is in the stream at most once; one an agent holds is
/// still in the stream (a work-queue message goes when acked or terminated), and a claim makes its call no longer wait.
/// </remarks>
internal sealed partial class ClusterClient
{
    private static readonly TimeSpan LostCheckEvery = TimeSpan.FromSeconds(5);

    private const long SweepEveryMs = 30_000;

    private const int MaxChecksPerSweep = 2_000;

    /// <summary>Times the connection to the server opened again (NATS.Net reconnects by itself).</summary>
    private long _reconnects;

    /// <summary>Messages sent again because the stream had lost them: counted for tests.</summary>
    private long _resent;

    /// <summary>Messages looked up in the stream by a sweep: counted for tests.</summary>
    private long _lookedUp;

    /// <summary>Messages of waiting calls sent again because the stream had lost them unrun.</summary>
    public long MessagesResent => Interlocked.Read(ref _resent);

    /// <summary>Messages of waiting calls looked up in the stream to see whether it still has them.</summary>
    public long MessagesLookedUp => Interlocked.Read(ref _lookedUp);

    private ValueTask OnConnectionOpenedAsync(object? sender, NatsEventArgs args)
    {
        Interlocked.Increment(ref _reconnects);
        return ValueTask.CompletedTask;
    }

    private async Task ResendLostAsync()
    {
        using var timer = new PeriodicTimer(LostCheckEvery);
        long reconnectsSwept = Interlocked.Read(ref _reconnects);
        long lastSweep = Environment.TickCount64;
        DateTimeOffset? created = null;
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (_nats.ConnectionState != NatsConnectionState.Open)
                {
                    continue;
                }

                List<CallMessage> waiting = StoredAndWaiting((long)LostCheckEvery.TotalMilliseconds);
                long reconnects = Interlocked.Read(ref _reconnects);
                if (waiting.Count == 0)
                {
                    // Nothing to look for yet. A reconnect stays unswept: calls stored just before it (younger than
                    // LostCheckEvery now) may have been dropped during it.
                    continue;
                }

                try
                {
                    INatsJSStream stream = await OpenStreamAsync().ConfigureAwait(false);
                    DateTimeOffset now = stream.Info.Created;
                    bool recreated = created is { } before && before != now;
                    created = now;
                    if (!recreated && reconnects == reconnectsSwept && stream.Info.State.Messages >= waiting.Count
                        && Environment.TickCount64 - lastSweep < SweepEveryMs)
                    {
                        continue;
                    }

                    reconnectsSwept = reconnects;
                    lastSweep = Environment.TickCount64;
                    await SweepAsync(stream, waiting).ConfigureAwait(false);
                }
                catch (Exception e) when (e is NatsException or TimeoutException || (e is OperationCanceledException && !_stopping.IsCancellationRequested))
                {
                    // Cut off again, or the server busy: looked at again next time.
                    LogSendFailed(_names.Stream, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The pool has stopped.
        }
    }

    /// <summary>The calls stream; created again if it is gone (the agents do the same), so the calls can be sent again into it.</summary>
    private async Task<INatsJSStream> OpenStreamAsync()
    {
        try
        {
            return await _js.GetStreamAsync(_names.Stream, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            await ClusterConnection.EnsureStreamAsync(_js, _names, _stopping.Token).ConfigureAwait(false);
            return await _js.GetStreamAsync(_names.Stream, cancellationToken: _stopping.Token).ConfigureAwait(false);
        }
    }

    /// <summary>The messages of calls no agent has claimed, that the server said it stored at least <paramref name="olderThanMs"/> ago.</summary>
    private List<CallMessage> StoredAndWaiting(long olderThanMs)
    {
        long now = Environment.TickCount64;
        var messages = new HashSet<CallMessage>(ReferenceEqualityComparer.Instance);
        foreach (Flight flight in _flights.Values)
        {
            if (flight.Agent is null && flight.Message is { Sequence: > 0, AnyClaimed: false, Withdrawn: false } message
                && now - message.StoredAt >= olderThanMs)
            {
                messages.Add(message);
            }
        }

        return [.. messages];
    }

    private async Task SweepAsync(INatsJSStream stream, List<CallMessage> waiting)
    {
        foreach (CallMessage message in waiting.OrderBy(m => m.StoredAt).Take(MaxChecksPerSweep))
        {
            ulong sequence = message.Sequence;
            if (sequence == 0 || await IsInStreamAsync(stream, sequence, message.MessageId).ConfigureAwait(false))
            {
                continue;
            }

            // Looked up just now: claimed meanwhile (then it was there after all), ended, or sent again already.
            if (message.AnyClaimed || message.Withdrawn || message.Sequence != sequence || !message.Flights.Any(f => _flights.ContainsKey(f.Key)))
            {
                continue;
            }

            (byte[] body, NatsHeaders headers) = message.TakeForResend();
            Interlocked.Increment(ref _resent);
            LogResent(message.Flights[0].Key, message.Flights.Count, sequence);
            _ = StoreAsync(message, body, headers);
        }
    }

    /// <summary>Whether the stream holds the message <paramref name="messageId"/> at <paramref name="sequence"/>.</summary>
    private async Task<bool> IsInStreamAsync(INatsJSStream stream, ulong sequence, string? messageId)
    {
        Interlocked.Increment(ref _lookedUp);
        StreamMsgGetResponse found;
        try
        {
            found = await stream.GetAsync(new StreamMsgGetRequest { Seq = sequence }, _stopping.Token).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return false;
        }

        // A stream created anew numbers its messages from 1 again: the one found there may be another's.
        if (messageId is null || found.Message.Hdrs is not { Length: > 0 } encoded)
        {
            return messageId is null;
        }

        string headers = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        return headers.Contains($"{ClusterHeaders.MessageId}: {messageId}\r\n", StringComparison.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stream lost the message of {Key} ({Calls} call(s), sequence {Sequence}) before any agent ran it: sent again")]
    private partial void LogResent(string key, int calls, ulong sequence);
}
