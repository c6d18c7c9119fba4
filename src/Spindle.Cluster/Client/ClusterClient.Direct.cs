using System.Globalization;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Client;

/// <summary>
/// Lone short calls offered to an agent directly, on core NATS, instead of through the stream: the stream's store,
/// delivery and ack are most of what a tiny call's round trip costs above a raw request-reply. Offered only when the
/// stream would add nothing: no other call of this client waits for an agent, calls are short, and an agent answered
/// one of them a moment ago (so it is alive, and most likely has its worker free again).
/// </summary>
/// <remarks>
/// <code>
///  Publish ─► MayOfferDirect ─► the flight claimed for that agent (its answers and signs of life count, stops go
///             there, the silence watch guards it, as for any claimed call) ─► request to its workers' lane for this
///             build (Lanes/NatsLane.cs: a worker answers as the agent would) ─► "busy" or no responders: request to
///             the agent's subject
///    ◄─ its answer (it ended within 50 ms): the reply itself is the answer; no "taken", no confirmation
///    ◄─ "taken"   ─► nothing more: the call runs there, answered as any call is
///    ◄─ "busy", no responders, no answer within DirectOfferTimeout ─► the claim released (unless the agent spoke of
///                 the call meanwhile) ─► the stream, as usual (a cancelled call ends here); an agent that did not
///                 answer gets no offer for NoOffersForMs, and a word from it about the call later gets a stop
/// </code>
/// An offer that was not answered in time may still be taken later (an agent paused, then resumed): the call then has
/// a stream message too. The copy that speaks first runs the call (an answer, a sign of life or a "started" claims the
/// waiting call for its agent); the other is told to stop when it speaks, and its answer is ignored: at most once to
/// the caller, as with any redelivery. When both copies reach the same agent, the agent runs one of them (see
/// ClusterAgent.Register).
/// </remarks>
internal sealed partial class ClusterClient
{
    /// <summary>
    /// How recently an agent must have answered a call of this client for the next one to be offered to it: one that
    /// has gone since is answered for by the server at once (no responders), one paused within DirectOfferTimeout.
    /// </summary>
    private const long DirectRecentMs = 5_000;

    /// <summary>How long an offer waits for "taken" or "busy": an agent answers from its control loop at once.</summary>
    private static readonly TimeSpan DirectOfferTimeout = TimeSpan.FromSeconds(1);

    /// <summary>The agent that last answered a lone call of this client, and when; null at first.</summary>
    private DirectCandidate? _directCandidate;

    /// <summary>How long an agent that did not answer an offer is offered nothing.</summary>
    private const long NoOffersForMs = 300_000;

    /// <summary>Agents that did not answer an offer (an older version, a paused agent), and when: offered nothing for NoOffersForMs.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _noOffers = new(StringComparer.Ordinal);

    private long _callsDirect;
    private long _callsOnLanes;

    /// <summary>How many calls agents' workers took themselves, on their lanes (a part of <see cref="CallsDirect"/>).</summary>
    public long CallsOnLanes => Interlocked.Read(ref _callsOnLanes);
    private long _offersMade;

    /// <summary>Offers sent and not answered yet: while one is, the next call waits its turn in the stream (a burst is not offered call by call).</summary>
    private int _offering;
    private long _offersRefused;

    /// <summary>How many offers agents answered "busy" (or did not answer): those calls went through the stream.</summary>
    public long OffersRefused => Interlocked.Read(ref _offersRefused);

    /// <summary>How many calls were offered to an agent directly (taken, refused or unanswered).</summary>
    public long OffersMade => Interlocked.Read(ref _offersMade);

    /// <summary>How many calls agents took directly (not through the stream).</summary>
    public long CallsDirect => Interlocked.Read(ref _callsDirect);

    private bool _directOff;

    /// <summary>For tests: how many calls of this client wait in the stream for an agent (offers and bundle sizing look at it).</summary>
    internal long WaitingCount => _waiting.Count;

    /// <summary>For tests: every call through the stream, as before direct offers.</summary>
    internal void OfferNothingDirect() => Volatile.Write(ref _directOff, true);

    /// <summary>For tests: agents that left an offer unanswered are offered calls again at once, not after NoOffersForMs.</summary>
    internal void ForgetUnansweredOffers() => _noOffers.Clear();

    private sealed record DirectCandidate(string Agent, long At);

    /// <summary>For a failing test's message: why calls are (not) offered directly.</summary>
    internal string DirectState =>
        $"candidate {Volatile.Read(ref _directCandidate)}, now {Environment.TickCount64}, waiting {_waiting.Count}, run µs {Volatile.Read(ref _runMicros)}, " +
        $"no offers to [{string.Join(", ", _noOffers.Keys)}], offers {OffersMade}, refused {OffersRefused}, direct {CallsDirect}, on lanes {CallsOnLanes}, looked up {MessagesLookedUp}, resent {MessagesResent}";

    /// <summary>Notes the agent that just answered a lone call: the next lone call may be offered to it.</summary>
    private void NoteAnswered(string agent) => Volatile.Write(ref _directCandidate, new DirectCandidate(agent, Environment.TickCount64));

    private void ForgetCandidate(string agent)
    {
        if (Volatile.Read(ref _directCandidate) is { } candidate && candidate.Agent == agent)
        {
            Interlocked.CompareExchange(ref _directCandidate, null, candidate);
        }
    }

    /// <summary>
    /// The agent to offer <paramref name="flight"/> to, or null for the stream. Asked only where Publish has found the
    /// call fit for a bundle (short calls, the build uploaded, a small frame) and no other call waiting for an agent.
    /// </summary>
    private string? MayOfferDirect(Flight flight)
    {
        if (Volatile.Read(ref _directOff) || Volatile.Read(ref _directCandidate) is not { } candidate
            || Environment.TickCount64 - candidate.At > DirectRecentMs
            || Volatile.Read(ref _offering) > 0
            || flight.Call.CancellationToken.IsCancellationRequested
            || (_noOffers.TryGetValue(candidate.Agent, out long refusedAt) && Environment.TickCount64 - refusedAt < NoOffersForMs))
        {
            return null;
        }

        return candidate.Agent;
    }

    /// <summary>How long, after an agent's workers had no lane to answer on (none open yet, lanes off), offers go to the agent itself.</summary>
    private const long NoLaneForMs = 250;

    /// <summary>Agents whose workers had no lane for this client's build, and when.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _noLane = new(StringComparer.Ordinal);

    /// <summary>The lane subject of each agent's workers for this client's build (Lanes/NatsLane.cs).</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> _laneSubjects = new(StringComparer.Ordinal);

    /// <summary>
    /// Offers a call to <paramref name="agent"/>'s workers, which take it themselves (Lanes/NatsLane.cs): their reply,
    /// or null when none took it (no lane open for this build, or the worker asked was busy), for the agent to be asked.
    /// </summary>
    private async Task<NatsMsg<byte[]>?> OfferToWorkersAsync(string agent, byte[] frame, NatsHeaders headers)
    {
        if (_noLane.TryGetValue(agent, out long at) && Environment.TickCount64 - at < NoLaneForMs)
        {
            return null;
        }

        string subject = _laneSubjects.GetOrAdd(agent, a => _names.Lane(a, _build.Result, _serializerType));
        try
        {
            NatsMsg<byte[]> reply = await OfferToAsync(subject, frame, headers).ConfigureAwait(false);

            if (reply.Data is { } body && body.AsSpan().SequenceEqual(ClusterHeaders.DirectBusyBody))
            {
                // A worker busy with a call of the agent's: the agent may have another one free.
                return null;
            }

            Interlocked.Increment(ref _callsOnLanes);
            return reply;
        }
        catch (NatsNoRespondersException)
        {
            _noLane[agent] = Environment.TickCount64;
            return null;
        }
    }

    private ValueTask<NatsMsg<byte[]>> OfferToAsync(string subject, byte[] frame, NatsHeaders headers) =>
        _nats.RequestAsync<byte[], byte[]>(subject, frame, headers, replyOpts: new NatsSubOpts { Timeout = DirectOfferTimeout }, cancellationToken: _stopping.Token);

    private async Task OfferDirectAsync(Flight flight, string agent)
    {
        if (!flight.TryClaimForOffer(agent, out long spoke))
        {
            return;
        }

        bool taken = false;
        Interlocked.Increment(ref _offersMade);
        Interlocked.Increment(ref _offering);
        try
        {
            NatsHeaders headers = CallHeaders(_build.Result);
            headers[ClusterHeaders.Call] = flight.Call.Id.ToString(CultureInfo.InvariantCulture);
            headers[ClusterHeaders.Attempt] = flight.Attempt.ToString(CultureInfo.InvariantCulture);
            headers[ClusterHeaders.Direct] = "1";
            byte[] frame = ((Backends.IEncodedCall)flight.Call).Frame.ToArray();
            NatsMsg<byte[]> reply;
            try
            {
                reply = await OfferToWorkersAsync(agent, frame, headers).ConfigureAwait(false)
                    ?? await OfferToAsync(_names.Agent(agent), frame, headers).ConfigureAwait(false);
            }
            finally
            {
                // Before the answer is handed over: the caller's next call may be published on this thread, at once.
                Interlocked.Decrement(ref _offering);
                flight.OfferAnswered();
            }

            if (reply.Headers is { } answer && answer.TryGetValue(ClusterHeaders.Event, out var kind)
                && kind.ToString() is ClusterHeaders.EventResult or ClusterHeaders.EventFailed)
            {
                // A short call is answered in the offer's reply (no "taken", no confirmation).
                CallAnswer answered = AnswerIn(reply, kind.ToString());
                Interlocked.Increment(ref _callsDirect);
                OnCallAnswer(flight.Key, agent, answered);
                return;
            }

            taken = reply.Data is { } body && body.AsSpan().SequenceEqual(ClusterHeaders.DirectTakenBody);
        }
        catch (FormatException)
        {
            // An answer not understood (another version's): as no answer, the stream.
            _noOffers[agent] = Environment.TickCount64;
        }
        catch (NatsNoRespondersException)
        {
            // The agent is gone.
            ForgetCandidate(agent);
        }
        catch (Exception e) when (e is NatsNoReplyException or TimeoutException)
        {
            // No answer in time: an agent that does not take offers, or one paused. Not asked again.
            _noOffers[agent] = Environment.TickCount64;
        }
        catch (NatsException)
        {
            // Not sent (the connection broke): the stream, which waits for the connection.
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            return;
        }

        if (taken)
        {
            Interlocked.Increment(ref _callsDirect);
            if (!_flights.ContainsKey(flight.Key))
            {
                // Ended here while the offer was on its way (a timeout, a cancellation): its stop may have reached the
                // agent before the call did, so it is sent again.
                await StopCopyAsync(agent, flight.Key).ConfigureAwait(false);
            }

            return;
        }

        // Busy: its next answer makes it a candidate again.
        Interlocked.Increment(ref _offersRefused);
        ForgetCandidate(agent);
        if (!flight.TryRelease(agent, spoke))
        {
            return;
        }

        if (!_flights.ContainsKey(flight.Key))
        {
            // Ended meanwhile (timed out, taken by the silence watch): it waits for nothing.
            flight.StopWaiting();
            return;
        }

        if (flight.Call.CancellationToken.IsCancellationRequested)
        {
            // Cancelled during the offer (its stop went to the agent, which did not take it): it ends here, unsent.
            flight.Worker.CancelRunning(flight.Call);
            return;
        }

        await PublishAloneAsync(flight).ConfigureAwait(false);
    }
}
