using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Client;

/// <summary>
/// A call's road into the work-queue stream: published without waiting for the server's ack, published again with
/// it when no agent has spoken of the call soon, and deleted again when it is withdrawn before any agent took it.
/// </summary>
internal sealed partial class ClusterClient
{
    /// <summary>
    /// How long a call may wait in the stream, sent without the server's confirmation, before it is sent again with
    /// one. Most calls are taken by an agent sooner: its first word about the call proves the call was stored, and the
    /// call's path saves the server's ack (a fifth of a tiny call's round trip through the cluster).
    /// </summary>
    private static readonly long ConfirmAfterMs = 100;

    /// <summary>Deletes a withdrawn message from the work-queue stream, once the server has told its sequence number.</summary>
    private async Task DeleteFromStreamAsync(CallMessage? message)
    {
        if (message is null || message.Sequence == 0)
        {
            // Being stored with the server's ack right now: StoreAsync deletes it once it is.
            return;
        }

        try
        {
            await _js.DeleteMessageAsync(_names.Stream, new StreamMsgDeleteRequest { Seq = message.Sequence, NoErase = true }, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException or TimeoutException)
        {
            // Already taken by an agent (which is told to stop), or already gone.
            LogIgnored("delete", message.Flights[0].Key);
        }
    }

    /// <summary>Publishes a lone call to the work-queue stream (see <see cref="ConfirmAfterMs"/>); a failure fails the call, naming why.</summary>
    private async Task PublishAloneAsync(Flight flight)
    {
        try
        {
            string build = await _build.ConfigureAwait(false);
            ReadOnlyMemory<byte> frame = ((Backends.IEncodedCall)flight.Call).Frame;
            NatsHeaders headers = CallHeaders(build);
            headers[ClusterHeaders.Call] = flight.Call.Id.ToString(CultureInfo.InvariantCulture);
            headers[ClusterHeaders.Attempt] = flight.Attempt.ToString(CultureInfo.InvariantCulture);
            byte[] body = frame.ToArray();
            if (LargeValues.TooLargeForMessage(body.Length, _nats.ServerInfo?.MaxPayload))
            {
                // Above the server's max_payload (WorkerPool has checked MaxMessageBytes): the agent fetches it from the values bucket.
                string name = LargeValues.ArgumentName(flight.Key);
                await LargeValues.PutAsync(await Values().ConfigureAwait(false), name, body, _stopping.Token).ConfigureAwait(false);
                headers[ClusterHeaders.Value] = name;
                flight.ArgumentStored = true;
                body = [];
            }

            // The stream keeps one message per id for its duplicate window: sent again, the call is stored once.
            headers[ClusterHeaders.MessageId] = flight.Key;
            flight.Message = new CallMessage([flight], body, headers);
            if (!_flights.ContainsKey(flight.Key))
            {
                // Ended already (cancelled or timed out while the build or a large argument was uploading): not sent.
                // Had Forget come after SentUnconfirmed, it took the message and stores-then-deletes it; either way
                // no agent runs it.
                return;
            }

            try
            {
                await _nats.PublishAsync(_names.CallsOf(_protocol), body, headers, cancellationToken: _stopping.Token).ConfigureAwait(false);
            }
            catch (NatsException e)
            {
                // Not sent (a publish while cut off waits for the connection rather than failing, so this is rare):
                // ConfirmStoredAsync sends it again, waiting for the server's ack this time.
                LogPublishRetry(flight.Key, e.Message);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stopping.IsCancellationRequested)
        {
            FailUnsent(flight, e);
        }
    }

    /// <summary>What every call message of this client carries, alone or in a bundle.</summary>
    /// <summary>The protocol version this client's calls speak (<see cref="ClusterHeaders.Protocol"/>, and their subject).</summary>
    private volatile string _protocol = ClusterHeaders.ProtocolText;

    /// <summary>For tests: this client's calls from now on speak <paramref name="protocol"/>, as another version's would.</summary>
    internal void SpeakProtocol(string protocol) => _protocol = protocol;

    /// <summary>The headers every call carries, alone, in a bundle or offered directly.</summary>
    private NatsHeaders CallHeaders(string build)
    {
        var headers = new NatsHeaders
        {
            [ClusterHeaders.Protocol] = _protocol,
            [ClusterHeaders.Version] = ClusterHeaders.SpindleVersion,
            [ClusterHeaders.Client] = _clientId,
            [ClusterHeaders.Build] = build,
            [ClusterHeaders.AliveEvery] = ((long)(_options.AgentSilenceTimeout.TotalMilliseconds / 4)).ToString(CultureInfo.InvariantCulture),
        };
        if (_serializerType is not null)
        {
            headers[ClusterHeaders.Serializer] = _serializerType;
        }

        return headers;
    }

    private void FailUnsent(Flight flight, Exception e)
    {
        flight.StopWaiting();
        if (_flights.TryRemove(new KeyValuePair<string, Flight>(flight.Key, flight)))
        {
            Exception error = e is SpindleException ? e : new SpindleException($"The call could not be sent to the cluster at '{ServerAddress.Redacted(_options.Server)}': {e.Message}", e);
            flight.Worker.OnFailed(flight, error);
        }
    }

    /// <summary>
    /// Calls sent without the server's ack that no agent has spoken of for <see cref="ConfirmAfterMs"/> (waiting for a
    /// free agent, or lost with a connection) are sent again, this time until the server says it has them.
    /// </summary>
    private async Task ConfirmStoredAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(ConfirmAfterMs / 2));
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                foreach (Flight flight in _flights.Values)
                {
                    if (flight.Message is { } sent && sent.TakeUnconfirmed(ConfirmAfterMs) is { } message)
                    {
                        _ = StoreAsync(sent, message.Body, message.Headers);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The pool has stopped.
        }
    }

    private async Task StoreAsync(CallMessage message, byte[] body, NatsHeaders headers)
    {
        try
        {
            await PublishUntilStoredAsync(message, body, headers).ConfigureAwait(false);
        }
        catch (Exception e) when ((e is not OperationCanceledException || !_stopping.IsCancellationRequested) && !message.AnyClaimed)
        {
            // The server refused it (the stream gone, no room): its calls fail, naming why. Not once an agent has
            // spoken of one: the stream had it, and the calls are that agent's.
            foreach (Flight flight in message.Flights)
            {
                FailUnsent(flight, e);
            }
        }
    }

    /// <summary>
    /// Publishes until the server says it has stored the call. While the server is away (restarting, a network cut) it
    /// tries again once the connection is back, with the same message id (so a call stored twice is kept once: the
    /// server answers "duplicate" with the sequence number it has), for as long as the call is wanted: its timeout and
    /// its caller's cancellation end the flight, and with it this loop.
    /// </summary>
    private async Task PublishUntilStoredAsync(CallMessage message, byte[] frame, NatsHeaders headers)
    {
        // A message withdrawn while it is stored (every call in it cancelled or timed out) is deleted after (Forget).
        int withdrawAttempts = 0;
        while (true)
        {
            try
            {
                // The message id is in the headers already; a duplicate is not an error here (EnsureSuccess would throw).
                PubAckResponse ack = await _js.PublishAsync(_names.CallsOf(_protocol), frame, headers: headers, cancellationToken: _stopping.Token).ConfigureAwait(false);
                if (ack.Error is { } error)
                {
                    throw new NatsJSApiException(error);
                }

                message.Sequence = ack.Seq;
                if (message.Withdrawn)
                {
                    // Withdrawn (cancelled, timed out) while it was being stored: it leaves the stream unrun.
                    await DeleteFromStreamAsync(message).ConfigureAwait(false);
                }

                return;
            }
            catch (Exception e) when (e is NatsNoRespondersException or NatsJSPublishNoResponseException or NatsNoReplyException or TimeoutException
                || (e is NatsException && _nats.ConnectionState != NatsConnectionState.Open))
            {
                // Tried again while the call is wanted and no agent has spoken of it (then the stream had it), or,
                // for a withdrawn call being stored to be deleted, a bounded number of times.
                bool withdrawing = message.Withdrawn && ++withdrawAttempts <= 20;
                if ((!message.Flights.Any(f => _flights.ContainsKey(f.Key)) && !withdrawing) || message.AnyClaimed)
                {
                    return;
                }

                LogPublishRetry(message.Flights[0].Key, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(500), _stopping.Token).ConfigureAwait(false);
            }
        }
    }
}
