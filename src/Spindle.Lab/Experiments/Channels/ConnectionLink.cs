using Spindle.Ipc;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>A <see cref="Connection"/> (a <see cref="Pipe"/> end or a <see cref="Listener"/>/<see cref="Client"/> connection) as a message link.</summary>
internal sealed class ConnectionLink(Connection connection) : IMessageLink
{
    public void Send(ReadOnlySpan<byte> message) => connection.SendBytes(message);

    public int Receive(Span<byte> buffer) => connection.ReceiveBytes(buffer);

    public void Dispose() => connection.Dispose();
}
