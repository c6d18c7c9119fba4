using NATS.Client.Core;

namespace Spindle.Cluster.Client;

/// <summary>
/// One message in the calls stream: a lone call's, or a bundle's (Nats/Bundle.cs). Sent without waiting for the
/// server to say it stored it, it is kept until it is known stored: an agent spoke of one of its calls, or the
/// server confirmed it (see ClusterClient.ConfirmStoredAsync).
/// </summary>
internal sealed class CallMessage(IReadOnlyList<Flight> flights, byte[] body, NatsHeaders headers)
{
    private readonly Lock _lock = new();
    private readonly long _sentAt = Environment.TickCount64;
    private bool _settled;
    private ulong _sequence;
    private long _storedAt;
    private int _resends;

    public IReadOnlyList<Flight> Flights => flights;

    /// <summary>Whether it carries several calls: then it is deleted from the stream only once none is wanted (see ClusterClient.Forget).</summary>
    public bool IsBundle => flights.Count > 1;

    /// <summary>Its sequence number in the stream once the server has told it (0 before): a withdrawn message is deleted by it.</summary>
    public ulong Sequence
    {
        get => Volatile.Read(ref _sequence);

        // Interlocked (a full fence), as Flight.Unwanted's: Forget writes Unwanted then reads Sequence, the publish writes
        // Sequence then reads Unwanted; with plain volatile writes both could read the old value and nobody delete it.
        set
        {
            // StoredAt first: a reader that sees the number sees its time too.
            Volatile.Write(ref _storedAt, Environment.TickCount64);
            Interlocked.Exchange(ref _sequence, value);
        }
    }

    /// <summary>When <see cref="Sequence"/> was last set (<see cref="Environment.TickCount64"/>).</summary>
    public long StoredAt => Volatile.Read(ref _storedAt);

    /// <summary>Its id in the stream's duplicate window: the id it was last sent under.</summary>
    public string? MessageId { get; private set; } = headers[Nats.ClusterHeaders.MessageId];

    /// <summary>Whether none of its calls is wanted any more and no agent has one: then it leaves the stream unrun.</summary>
    public bool Withdrawn => flights.All(f => f.Unwanted && f.Agent is null);

    /// <summary>Whether an agent has claimed one of its calls (then the stream had it).</summary>
    public bool AnyClaimed => flights.Any(f => f.Agent is not null);

    /// <summary>Known stored (an agent has one of its calls): nothing is left to confirm.</summary>
    public void Stored()
    {
        lock (_lock)
        {
            _settled = true;
        }
    }

    /// <summary>
    /// The message to send again after the stream lost it unrun (see ClusterClient.Resending.cs): the same calls under
    /// a new message id, since the stream remembers the old one for its duplicate window and, sent under it again,
    /// would store nothing. Its sequence number is unknown (0) until the server confirms the new message.
    /// </summary>
    public (byte[] Body, NatsHeaders Headers) TakeForResend()
    {
        var again = new NatsHeaders();
        foreach ((string name, Microsoft.Extensions.Primitives.StringValues values) in headers)
        {
            again[name] = values;
        }

        string id = $"{headers[Nats.ClusterHeaders.MessageId]}~{Interlocked.Increment(ref _resends)}";
        again[Nats.ClusterHeaders.MessageId] = id;
        MessageId = id;
        Sequence = 0;
        return (body, again);
    }

    /// <summary>
    /// The message to send again with a wait for the server's confirmation, once it has been unconfirmed for
    /// <paramref name="longerThanMs"/> (0: now); taken, so only one asks.
    /// </summary>
    public (byte[] Body, NatsHeaders Headers)? TakeUnconfirmed(long longerThanMs)
    {
        lock (_lock)
        {
            if (_settled || Environment.TickCount64 - _sentAt < longerThanMs)
            {
                return null;
            }

            _settled = true;
            return (body, headers);
        }
    }
}
