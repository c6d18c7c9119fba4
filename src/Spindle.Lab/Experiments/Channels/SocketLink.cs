using System.Buffers.Binary;
using System.Net.Sockets;

namespace Spindle.Lab.Experiments.Channels;

/// <summary>Messages over a Unix domain stream socket: a 4-byte length, then the bytes, in one send.</summary>
internal sealed class SocketLink(Socket socket, int maxBytes) : IMessageLink
{
    private readonly byte[] _frame = new byte[maxBytes + 4];

    /// <summary>The answering side: connects to the opener's listening socket at <paramref name="path"/>.</summary>
    public static SocketLink Connect(string path, int maxBytes)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return new SocketLink(socket, maxBytes);
    }

    public void Send(ReadOnlySpan<byte> message)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_frame, message.Length);
        message.CopyTo(_frame.AsSpan(4));
        ReadOnlySpan<byte> rest = _frame.AsSpan(0, message.Length + 4);
        while (!rest.IsEmpty)
        {
            rest = rest[socket.Send(rest)..];
        }
    }

    public int Receive(Span<byte> buffer)
    {
        Span<byte> header = stackalloc byte[4];
        Fill(header);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header);
        Fill(buffer[..length]);
        return length;
    }

    public void Dispose() => socket.Dispose();

    private void Fill(Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = socket.Receive(buffer);
            buffer = n > 0 ? buffer[n..] : throw new EndOfStreamException("The other side closed the socket.");
        }
    }
}
