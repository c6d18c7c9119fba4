using Spindle.Pools;

namespace Spindle.Cluster.Client;

/// <summary>
/// One attempt at one call, from its publication until its first answer: which worker of the pool sent it, which
/// agent claimed it, and when that agent was last heard from. The pool keeps it in flight; the first result takes it
/// out, so any later answer for the same attempt finds nothing (at most once to the caller).
/// </summary>
internal sealed class Flight
{
    private readonly Lock _lock = new();
    private readonly WaitingCalls? _waiting;
    private long _lastHeard = Environment.TickCount64;
    private long _spoke;
    private bool _withdrawn;
    private bool _unwanted;
    private int _counted;
    private CallMessage? _message;

    public Flight(PendingCall call, ClusterWorker worker, int attempt, string key, WaitingCalls? waiting = null)
    {
        Call = call;
        Worker = worker;
        Attempt = attempt;
        Key = key;
        _waiting = waiting;
        if (waiting is not null)
        {
            waiting.Add();
            _counted = 1;
        }
    }

    public PendingCall Call { get; }

    public ClusterWorker Worker { get; }

    /// <summary>0 for the first run; one more for each retry after a crash.</summary>
    public int Attempt { get; }

    /// <summary>Client, call and attempt: the message id of a lone call in the stream and the key of every answer.</summary>
    public string Key { get; }

    /// <summary>Whether its argument went to the values bucket (too large for one message): deleted once it has ended.</summary>
    public bool ArgumentStored { get; set; }

    /// <summary>The stream message that carries it (alone or in a bundle), once sent.</summary>
    public CallMessage? Message
    {
        get => Volatile.Read(ref _message);
        set => Volatile.Write(ref _message, value);
    }

    /// <summary>No longer waiting for an agent (claimed, or ended): counted out of <see cref="WaitingCalls"/> once.</summary>
    public void StopWaiting()
    {
        if (_waiting is not null && Interlocked.Exchange(ref _counted, 0) == 1)
        {
            _waiting.Remove();
        }
    }

    /// <summary>Ended here because its caller no longer wants it (cancelled, timed out): deleted from the stream if no agent runs it.</summary>
    public bool Unwanted
    {
        get => Volatile.Read(ref _unwanted);
        set => Interlocked.Exchange(ref _unwanted, value);
    }

    /// <summary>The agent that claimed it; null while it waits in the stream.</summary>
    public string? Agent { get; private set; }

    /// <summary>The JetStream ack subject of the claimed delivery.</summary>
    public string? AckSubject { get; private set; }

    /// <summary>When the claiming agent was last heard from (<see cref="Environment.TickCount64"/>).</summary>
    public long LastHeard => Volatile.Read(ref _lastHeard);

    /// <summary>
    /// Lets the first agent that asks (a claim), or says it started the call (a first delivery), run the call; false
    /// for any other (a redelivery, a second copy) and once the call was withdrawn. The same delivery asking again (its
    /// first answer was lost to a broken connection) gets the same answer.
    /// </summary>
    public bool TryClaim(string agent, string? ackSubject)
    {
        lock (_lock)
        {
            if (_withdrawn)
            {
                return false;
            }

            if (Agent is not null)
            {
                bool again = Agent == agent && AckSubject is not null && AckSubject == ackSubject;
                if (again)
                {
                    Heard();
                }

                return again;
            }

            Agent = agent;
            AckSubject = ackSubject;

            // An agent has it: the stream had stored it, and there is nothing left to confirm.
            Message?.Stored();
            StopWaiting();
            Heard();
            return true;
        }
    }

    /// <summary>
    /// Notes the stream delivery <paramref name="agent"/>, which runs the call, holds of it, when it was claimed with
    /// none (a direct call whose stream copy reached the same agent later): the silence watch ends that delivery.
    /// </summary>
    public void NoteAckSubject(string agent, string? ackSubject)
    {
        if (ackSubject is null)
        {
            return;
        }

        lock (_lock)
        {
            if (Agent == agent && AckSubject is null)
            {
                AckSubject = ackSubject;
            }
        }
    }

    /// <summary>Takes back a call no agent has claimed yet, so none will; false once one has.</summary>
    public bool TryWithdraw()
    {
        lock (_lock)
        {
            _withdrawn = Agent is null;
            return _withdrawn;
        }
    }

    public void Heard() => Volatile.Write(ref _lastHeard, Environment.TickCount64);

    /// <summary>Open from a direct offer's sending until its answer (or none) is in: <see cref="UnansweredOfferTo"/>.</summary>
    private bool _offerOpen;
    private long _spokeAtOffer;

    /// <summary>
    /// Claims it for <paramref name="agent"/> and opens a direct offer to it (ClusterClient.Direct.cs) in one step, so a
    /// timeout that strikes the claimed call always finds the offer open (<see cref="UnansweredOfferTo"/>); false as
    /// <see cref="TryClaim"/>. <paramref name="spokeCount"/> is <see cref="SpokeCount"/> as the offer opened.
    /// </summary>
    public bool TryClaimForOffer(string agent, out long spokeCount)
    {
        lock (_lock)
        {
            spokeCount = Interlocked.Read(ref _spoke);
            if (!TryClaim(agent, ackSubject: null))
            {
                return false;
            }

            _offerOpen = true;
            _spokeAtOffer = spokeCount;
            return true;
        }
    }

    /// <summary>The offer's answer is in ("taken", "busy", the result) or will not come (no answer in time).</summary>
    public void OfferAnswered()
    {
        lock (_lock)
        {
            _offerOpen = false;
        }
    }

    /// <summary>The agent a direct offer went to while it has said nothing of the call yet: whether it runs it is not known.</summary>
    public string? UnansweredOfferTo
    {
        get
        {
            lock (_lock)
            {
                return _offerOpen && Interlocked.Read(ref _spoke) == _spokeAtOffer ? Agent : null;
            }
        }
    }

    /// <summary>Its agent said something about it (started, alive, an answer): counted, see <see cref="SpokeCount"/>.</summary>
    public void Spoke() => Interlocked.Increment(ref _spoke);

    /// <summary>
    /// How many times its agent spoke of it: a direct offer's claim is released only if the agent has not since
    /// (ClusterClient.Direct.cs); the silence watch's <see cref="Heard"/> while this client is cut off does not count.
    /// </summary>
    public long SpokeCount => Interlocked.Read(ref _spoke);

    /// <summary>The agent a direct offer's claim was released from: any word from it about the call gets a stop.</summary>
    public string? ReleasedFrom { get; private set; }

    /// <summary>
    /// Takes back the claim of a direct offer <paramref name="agent"/> did not take, so the call can go to the stream;
    /// false if that agent spoke of it since the offer (<paramref name="spokeCount"/>): then it runs it.
    /// </summary>
    public bool TryRelease(string agent, long spokeCount)
    {
        lock (_lock)
        {
            if (Agent != agent || AckSubject is not null || Interlocked.Read(ref _spoke) != spokeCount)
            {
                return false;
            }

            Agent = null;
            ReleasedFrom = agent;

            // Waiting for an agent again, in the stream.
            if (_waiting is not null && Interlocked.Exchange(ref _counted, 1) == 0)
            {
                _waiting.Add();
            }

            return true;
        }
    }
}
