using System.Net.Sockets;

namespace Spindle.Bench.Ipc.Echo;

/// <summary>
/// The baseline: a bare Unix-domain stream socket, blocking send and receive. Each message goes out as one send of a
/// 4-byte length and the bytes (the least framing any message mechanism needs); the echo reads it whole and sends the
/// bytes back. No types, no pooling, nothing else: the floor any message mechanism over a socket stands on.
/// </summary>
internal sealed class RawSocketEcho(Socket socket, FarEnd farEnd, string directory) : IEcho
{
    public static async Task<IEcho> StartAsync(Where where)
    {
        string directory = Directory.CreateTempSubdirectory("spindle-ipc-bench-").FullName;
        string path = Path.Combine(directory, "raw.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(1);
        FarEnd far = FarEnd.Start(where, static (string at) => Serve(at), path);
        Socket socket = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return new RawSocketEcho(socket, far, directory);
    }

    private byte[] _framed = [];
    private byte[]? _source;

    public void RoundTrip(byte[] message, byte[] reply)
    {
        // Framed once per message array (the timed loop sends the same one), so the baseline does no extra copy.
        if (!ReferenceEquals(message, _source))
        {
            _framed = [.. BitConverter.GetBytes(message.Length), .. message];
            _source = message;
        }

        socket.Send(_framed);
        if (!ReceiveExactly(socket, reply))
        {
            throw new InvalidOperationException("The raw echo closed the connection.");
        }
    }

    public void Burst(byte[] message, int count) => throw new NotSupportedException("The raw baseline is for round trips only.");

    public async ValueTask DisposeAsync()
    {
        socket.Shutdown(SocketShutdown.Both);
        socket.Dispose();
        await farEnd.DisposeAsync();
        Directory.Delete(directory, recursive: true);
    }

    private static void Serve(string path)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        byte[] length = new byte[4];
        byte[] buffer = [];
        while (ReceiveExactly(socket, length))
        {
            int size = BitConverter.ToInt32(length);
            if (buffer.Length != size)
            {
                buffer = new byte[size];
            }

            if (!ReceiveExactly(socket, buffer))
            {
                return;
            }

            socket.Send(buffer);
        }
    }

    private static bool ReceiveExactly(Socket socket, byte[] buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = socket.Receive(buffer, total, buffer.Length - total, SocketFlags.None);
            if (n == 0)
            {
                return false;
            }

            total += n;
        }

        return true;
    }
}
