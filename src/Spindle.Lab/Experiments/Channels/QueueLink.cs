using Spindle.Ipc;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>Two Spindle <see cref="MessageQueue{T}"/>s of byte arrays, one per direction, as a message link.</summary>
internal sealed class QueueLink(MessageQueue<byte[]> outgoing, MessageQueue<byte[]> incoming) : IMessageLink
{
    public void Send(ReadOnlySpan<byte> message) => outgoing.Enqueue(message.ToArray());

    public int Receive(Span<byte> buffer)
    {
        byte[] message = incoming.Dequeue();
        message.CopyTo(buffer);
        return message.Length;
    }

    public void Dispose()
    {
        outgoing.Dispose();
        incoming.Dispose();
    }
}
