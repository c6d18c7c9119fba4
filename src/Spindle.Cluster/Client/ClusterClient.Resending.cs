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
///  every LostCheckEvery, while connected: calls waiting long with no agent of this version registered ─► a warning
///  (ClusterClient.Unserved.cs); the messages of calls waiting for an agent, stored (the server confirmed
///  them) at least LostCheckEvery ago; none ─► nothing asked of the server
///     ─► the stream's info (one request; gone ─► created again)
///     ─► created anew since last seen ─► every waiting call sent again (its sequence number is stale)
///     ─► a message below the stream's first sequence number ─► sent again (gone for certain: a purge)
///     ─► a sweep when it may have lost others: a reconnect since the last sweep, fewer messages in the stream than
///        this client waits for, or SweepEveryMs since the last sweep
///  sweep: each such message, oldest first (at most MaxChecksPerSweep), looked up by its sequence number; not there,
///         or another message there ─► sent again
///  sent again: under a new id (CallMessage.TakeForResend), until the server stores it, as any unconfirmed call is
/// </code>
/// A message still in the stream is never sent again, so a call is in the stream at most once; one an agent holds is
/// still in the stream (a work-queue message goes when acked or terminated), and a claim makes its call no longer wait.
/// </remarks>
internal sealed partial class ClusterClient
{
    private static readonly TimeSpan LostCheckEvery = TimeSpan.FromSeconds(5);

    /// <summary>A sweep even with no sign of a loss: the signs (a reconnect, fewer messages, a moved first sequence) cover the known ways.</summary>
    private const long SweepEveryMs = 300_000;

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

    /// <param name="created">When the stream this client found at its start was created, so one created anew is told apart.</param>
    private async Task ResendLostAsync(DateTimeOffset created)
    {
        using var timer = new PeriodicTimer(LostCheckEvery);
        // None swept yet: a reconnect before this loop first ran (it starts on the thread pool) counts too.
        long reconnectsSwept = 0;
        long lastSweep = Environment.TickCount64;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                if (!await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
                {
                    return;
                }

                if (_nats.ConnectionState == NatsConnectionState.Open)
                {
                    await WarnIfUnservedAsync().ConfigureAwait(false);
                }

                List<CallMessage> waiting = StoredAndWaiting((long)LostCheckEvery.TotalMilliseconds);
                if (_nats.ConnectionState != NatsConnectionState.Open || waiting.Count == 0)
                {
                    // Nothing to look for yet. A reconnect stays unswept: calls stored just before it (younger than
                    // LostCheckEvery now) may have been dropped during it.
                    continue;
                }

                (INatsJSStream stream, bool wasGone) = await OpenStreamAsync().ConfigureAwait(false);
                StreamInfo info = stream.Info;
                long reconnects = Interlocked.Read(ref _reconnects);
                if (wasGone || info.Created != created)
                {
                    // A stream created anew holds none of the calls stored before, and numbers its messages from 1
                    // again: every waiting call's sequence number is stale (a cancellation would delete another
                    // message by it), so all are sent again, the younger ones too.
                    created = info.Created;
                    reconnectsSwept = reconnects;
                    lastSweep = Environment.TickCount64;
                    foreach (CallMessage message in StoredAndWaiting(olderThanMs: 0))
                    {
                        Resend(message, message.Sequence);
                    }

                    continue;
                }

                // Below the stream's first sequence number a message is gone for certain (a purge moves it past all).
                foreach (CallMessage message in waiting)
                {
                    if (message.Sequence is var sequence && sequence < info.State.FirstSeq)
                    {
                        Resend(message, sequence);
                    }
                }

                if (reconnects != reconnectsSwept || info.State.Messages < waiting.Count || Environment.TickCount64 - lastSweep >= SweepEveryMs)
                {
                    reconnectsSwept = reconnects;
                    lastSweep = Environment.TickCount64;
                    await SweepAsync(stream, waiting).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Cut off again, the server busy, an answer not understood: looked at again next time; the loop
                // itself must not end while the pool runs.
                LogLookFailed(_names.Stream, e.Message);
            }
        }
    }

    /// <summary>
    /// The calls stream, and whether it was gone: then it is created again (the agents do the same), so the calls can
    /// be sent again into it.
    /// </summary>
    private async Task<(INatsJSStream Stream, bool WasGone)> OpenStreamAsync()
    {
        try
        {
            return (await _js.GetStreamAsync(_names.Stream, cancellationToken: _stopping.Token).ConfigureAwait(false), false);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            await ClusterConnection.EnsureStreamAsync(_js, _names, _stopping.Token).ConfigureAwait(false);
            return (await _js.GetStreamAsync(_names.Stream, cancellationToken: _stopping.Token).ConfigureAwait(false), true);
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
            if (sequence == 0)
            {
                continue;
            }

            bool there = await IsInStreamAsync(stream, sequence, message.MessageId).ConfigureAwait(false);
            Interlocked.Increment(ref _lookedUp);
            if (!there)
            {
                Resend(message, sequence);
            }
        }
    }

    /// <summary>
    /// Sends a message the stream lost again, under a new id; not if, since it was found lost, one of its calls was
    /// claimed (an agent had it after all: a result is claimed before it is confirmed, so an acked message's call is no
    /// longer waiting), all ended, or it was sent again already.
    /// </summary>
    private void Resend(CallMessage message, ulong lostSequence)
    {
        if (message.AnyClaimed || message.Withdrawn || message.Sequence != lostSequence || !message.Flights.Any(f => _flights.ContainsKey(f.Key)))
        {
            return;
        }

        (byte[] body, NatsHeaders headers) = message.TakeForResend();
        Interlocked.Increment(ref _resent);
        LogResent(message.Flights[0].Key, message.Flights.Count, lostSequence);
        _ = StoreAsync(message, body, headers);
    }

    /// <summary>Whether the stream holds the message <paramref name="messageId"/> at <paramref name="sequence"/>.</summary>
    private async Task<bool> IsInStreamAsync(INatsJSStream stream, ulong sequence, string? messageId)
    {
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not look for lost calls in {Stream}: {Reason}; trying again")]
    private partial void LogLookFailed(string stream, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The stream lost the message of {Key} ({Calls} call(s), sequence {Sequence}) before any agent ran it: sent again")]
    private partial void LogResent(string key, int calls, ulong sequence);
}
