using System.Globalization;
using System.Text;
using NATS.Client.Core;

namespace Spindle.Cluster.Agent;

/// <summary>
/// A call message JetStream delivered to this agent (<see cref="CallFeed"/>), and the answers an agent gives JetStream
/// about it, each a publish to the delivery's ack subject: done, put back, dropped, still running.
/// </summary>
internal sealed class CallDelivery
{
    private static readonly byte[] Ack = Encoding.ASCII.GetBytes("+ACK");
    private static readonly byte[] Terminate = Encoding.ASCII.GetBytes("+TERM");
    private static readonly byte[] InProgress = Encoding.ASCII.GetBytes("+WPI");

    private readonly NatsConnection _nats;

    public CallDelivery(NatsConnection nats, NatsMsg<byte[]> message)
    {
        _nats = nats;
        Data = message.Data;
        Headers = message.Headers;
        AckSubject = message.ReplyTo ?? throw new FormatException("The call message has no ack subject: it did not come from the calls stream.");
        NumDelivered = DeliveriesIn(AckSubject);
    }

    public byte[]? Data { get; }

    public NatsHeaders? Headers { get; }

    /// <summary>Where JetStream takes this delivery's answers; the caller is told it, to end the delivery of a call whose agent went silent.</summary>
    public string AckSubject { get; }

    /// <summary>How many times JetStream has delivered this call, this time included.</summary>
    public long NumDelivered { get; }

    /// <summary>Done: the call leaves the stream.</summary>
    public ValueTask AckAsync() => _nats.PublishAsync(AckSubject, Ack);

    /// <summary>Dropped: the call leaves the stream without being delivered again.</summary>
    public ValueTask TerminateAsync() => _nats.PublishAsync(AckSubject, Terminate);

    /// <summary>Still running: JetStream waits another AckWait before delivering it again.</summary>
    public ValueTask ProgressAsync(CancellationToken cancellationToken) => _nats.PublishAsync(AckSubject, InProgress, cancellationToken: cancellationToken);

    /// <summary>Put back: delivered again (to any agent) once <paramref name="delay"/> has passed.</summary>
    public ValueTask NakAsync(TimeSpan delay) =>
        _nats.PublishAsync(AckSubject, Encoding.ASCII.GetBytes($"-NAK {{\"delay\":{((long)(delay.TotalMilliseconds * 1_000_000)).ToString(CultureInfo.InvariantCulture)}}}"));

    /// <summary>
    /// The delivery count in an ack subject: <c>$JS.ACK.stream.consumer.delivered.sseq.cseq.time.pending</c>, or with a
    /// domain and account hash after <c>$JS.ACK</c> (and a token at the end) in newer servers.
    /// </summary>
    internal static long DeliveriesIn(string ackSubject)
    {
        string[] tokens = ackSubject.Split('.');
        int index = tokens.Length switch
        {
            9 => 4,
            >= 11 => 6,
            _ => -1,
        };
        return tokens is ["$JS", "ACK", ..] && index > 0 && long.TryParse(tokens[index], NumberStyles.None, CultureInfo.InvariantCulture, out long delivered)
            ? delivered
            : throw new FormatException($"'{ackSubject}' is not a JetStream ack subject.");
    }
}
