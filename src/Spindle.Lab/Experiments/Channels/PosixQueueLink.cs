using Spindle.Lab.Os;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>Two POSIX message queues, one per direction, as a message link.</summary>
internal sealed class PosixQueueLink(PosixQueue outgoing, PosixQueue incoming) : IMessageLink
{
    public void Send(ReadOnlySpan<byte> message) => outgoing.Send(message);

    public int Receive(Span<byte> buffer) => incoming.Receive(buffer);

    public void Dispose()
    {
        outgoing.Dispose();
        incoming.Dispose();
    }
}
