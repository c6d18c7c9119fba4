using NATS.Client.Core;
using Spindle.Pools;

namespace Spindle.Cluster.Client;

/// <summary>
/// One attempt at one call, from its publication until its first answer: which worker of the pool sent it, which
/// agent claimed it, and when that agent was last heard from. The pool keeps it in flight; the first result takes it
/// out, so any later answer for the same attempt finds nothing (at most once to the caller).
/// </summary>
internal sealed class Flight(PendingCall call, ClusterWorker worker, int attempt, string key)
{
    private readonly Lock _lock = new();
    private long _lastHeard = Environment.TickCount64;
    private bool _withdrawn;
    private ulong _sequence;
    private bool _unwanted;
    private (byte[] Body, NatsHeaders Headers)? _unconfirmed;
    private long _sentAt;

    public PendingCall Call { get; } = call;

    public ClusterWorker Worker { get; } = worker;

    /// <summary>0 for the first run; one more for each retry after a crash.</summary>
    public int Attempt { get; } = attempt;

    /// <summary>Client, call and attempt: the message id in the stream and the key of every answer.</summary>
    public string Key { get; } = key;

    /// <summary>Whether its argument went to the values bucket (too large for one message): deleted once it has ended.</summary>
    public bool ArgumentStored { get; set; }

    /// <summary>Its sequence number in the work-queue stream once the server has stored it (0 before): a withdrawn call is deleted by it.</summary>
    public ulong Sequence
    {
        get => Volatile.Read(ref _sequence);

        // Interlocked (a full fence), as Unwanted's: Forget writes Unwanted then reads Sequence, the publish writes
        // Sequence then reads Unwanted; with plain volatile writes both could read the old value and nobody delete it.
        set => Interlocked.Exchange(ref _sequence, value);
    }

    /// <summary>
    /// Keeps the call's message, sent without waiting for the server to say it stored it, until it is known stored:
    /// an agent was heard from about it, or the server confirmed it (see ClusterClient.ConfirmStoredAsync).
    /// </summary>
    public void SentUnconfirmed(byte[] body, NatsHeaders headers)
    {
        lock (_lock)
        {
            _unconfirmed = (body, headers);
            _sentAt = Environment.TickCount64;
        }
    }

    /// <summary>The message to send again with a wait for the server's confirmation, once it has been unconfirmed for <paramref name="longerThanMs"/> (0: now); taken, so only one asks.</summary>
    public (byte[] Body, NatsHeaders Headers)? TakeUnconfirmed(long longerThanMs)
    {
        lock (_lock)
        {
            if (_unconfirmed is not { } message || Environment.TickCount64 - _sentAt < longerThanMs)
            {
                return null;
            }

            _unconfirmed = null;
            return message;
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
            _unconfirmed = null;
            Heard();
            return true;
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
}
