using System.Text;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// Whether to run a delivery that may not be the caller's to give: claims (a lone call's redelivery, every bundle), the
/// callers heard from lately (whose first deliveries run without one), and what becomes of a message whose claim
/// nobody answered.
/// </summary>
internal sealed partial class ClusterAgent
{
    /// <summary>
    /// A message whose claim nobody answered: back to the stream for a while (its caller may only be cut off for a
    /// moment, a server restart), or, after MaxDeliver unanswered deliveries, out of it (its caller is gone).
    /// </summary>
    private async Task PutBackUnansweredAsync(CallDelivery message, string key, string what)
    {
        if (Unanswered(key, message) is var deliveries && deliveries >= _options.MaxDeliver)
        {
            _options.Log.WriteLine($"spindle agent {Name}: {what} dropped after {deliveries} unanswered deliveries.");
            _unanswered.TryRemove(key, out _);
            await message.TerminateAsync().ConfigureAwait(false);
        }
        else
        {
            await message.NakAsync(_options.ClaimTimeout).ConfigureAwait(false);
        }
    }

    /// <summary>Whether <paramref name="client"/> answered this agent within the last ClaimTimeout (a claim, a confirmation).</summary>
    private bool HeardLately(string client) =>
        _clients.TryGetValue(client, out long at) && Environment.TickCount64 - at < (long)_options.ClaimTimeout.TotalMilliseconds;

    private void Heard(string client) => _clients[client] = Environment.TickCount64;

    /// <summary>
    /// Counts one more unanswered claim of the call <paramref name="key"/>; returns the most deliveries it is known to
    /// have had unanswered: JetStream's count, or this agent's own if higher.
    /// </summary>
    private int Unanswered(string key, CallDelivery message)
    {
        // Bounded: calls put back and then taken by another agent leave their count here; a very long list is dropped.
        if (_unanswered.Count > 10_000)
        {
            _unanswered.Clear();
        }

        int own = _unanswered.AddOrUpdate(key, 1, static (_, n) => n + 1);
        long delivered = message.NumDelivered;
        return (int)Math.Max(own, Math.Min(delivered, int.MaxValue));
    }

    /// <summary>Forgets the clients not heard from for long (on each heartbeat), so the table does not grow for ever.</summary>
    private void ForgetQuietClients()
    {
        long now = Environment.TickCount64;
        foreach ((string client, long at) in _clients)
        {
            if (now - at > (long)_options.ClaimTimeout.TotalMilliseconds)
            {
                _clients.TryRemove(new KeyValuePair<string, long>(client, at));
            }
        }
    }

    /// <summary>Asks the caller whether to run the call: only the first delivery of a call still wanted gets "run".</summary>
    private async Task<Claim> ClaimAsync(CallDelivery message, string inbox, long callId, int attempt)
    {
        NatsHeaders claim = Answer(ClusterHeaders.EventClaim, callId, attempt);
        claim[ClusterHeaders.Ack] = message.AckSubject;
        byte[]? reply = await AskClaimAsync(inbox, claim, [], $"call {callId}").ConfigureAwait(false);
        return reply is null ? Claim.Unanswered
            : Encoding.ASCII.GetString(reply) == ClusterHeaders.ClaimRun ? Claim.Run
            : Claim.Refused;
    }

    /// <summary>
    /// Sends a claim to the caller's <paramref name="inbox"/> and returns its answer; null when nobody answered (the
    /// call goes back to the stream). With <paramref name="persist"/> (a caller heard from lately, so most likely only
    /// cut off for a moment), a claim nobody answered is asked again too, for up to AckWait / 2: a "run" it gave into a
    /// broken connection would otherwise leave its calls to the silence watch.
    /// </summary>
    private async Task<byte[]?> AskClaimAsync(string inbox, NatsHeaders claim, byte[] body, string what, bool persist = false)
    {
        // The caller may have said "run" into a connection that broke (a server restart): it counts this delivery as
        // claimed and waits for its signs of life. So while the connection breaks under a claim, the claim is asked
        // again (the caller answers the same delivery the same way), for up to AckWait / 2; only an unanswered claim on
        // a connection that held puts the call back.
        long giveUpAt = Environment.TickCount64 + (long)(_options.AckWait.TotalMilliseconds / 2);
        while (true)
        {
            long disconnects = Interlocked.Read(ref _disconnects);
            try
            {
                NatsMsg<byte[]> reply = await _nats.RequestAsync<byte[], byte[]>(inbox, body, claim,
                    replyOpts: new NatsSubOpts { Timeout = _options.ClaimTimeout }).ConfigureAwait(false);
                return reply.Data ?? [];
            }
            catch (Exception e) when ((e is NatsNoReplyException or NatsNoRespondersException or TimeoutException or NatsException)
                && (persist || Interlocked.Read(ref _disconnects) != disconnects || _nats.ConnectionState != NatsConnectionState.Open)
                && Environment.TickCount64 < giveUpAt)
            {
                _options.Log.WriteLine($"spindle agent {Name}: claim of {what} of {inbox} asked again: the connection broke under it ({e.GetType().Name}).");
                await Task.Delay(TimeSpan.FromMilliseconds(250)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NatsNoReplyException or NatsNoRespondersException or TimeoutException)
            {
                _options.Log.WriteLine($"spindle agent {Name}: {what} of {inbox} put back: its caller did not answer ({e.GetType().Name}).");
                return null;
            }
        }
    }

    private enum Claim
    {
        Run,
        Refused,
        Unanswered,
    }
}
