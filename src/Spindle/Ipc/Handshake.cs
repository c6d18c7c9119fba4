using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Authentication;
using System.Security.Cryptography;

namespace Spindle.Ipc;

/// <summary>
/// Mutual challenge–response over a fresh connection, like <c>multiprocessing.connection</c>'s authkey: each side sends
/// a random challenge and the other answers with HMAC-SHA256(key, role + challenge). The key never crosses the wire,
/// answers are compared in constant time, and the whole exchange is bounded by a timeout.
/// </summary>
/// <remarks>
/// Listener → client: magic + challenge S. Client → listener: HMAC("client", S) + challenge C. Listener → client:
/// verdict byte, then HMAC("server", C) when accepted. Client → listener: its verdict byte.
/// Neither side ever makes an async call on the socket: a socket that has seen one async operation stays non-blocking
/// for good in .NET, and then every later synchronous send and receive costs about twice as much. The client blocks
/// with socket timeouts (<see cref="ClientSide"/>); the listener runs every pending handshake on one thread, reading
/// only when poll says bytes are there (<see cref="ListenerHandshake"/>).
/// </remarks>
[SupportedOSPlatform("linux")]
internal static class Handshake
{
    public const int NonceBytes = 32;
    public const int MacBytes = 32;

    /// <summary>What the listener sends first: the magic line, then its challenge.</summary>
    public static int OpeningBytes => Magic.Length + NonceBytes;

    public static ReadOnlySpan<byte> Magic => "SPINDLE-IPC/1\n"u8;

    public static void ClientSide(Socket socket, byte[] key, TimeSpan timeout, string peer)
    {
        var exchange = new Exchange(socket, timeout, peer);
        byte[] opening = exchange.Receive(OpeningBytes);
        if (!opening.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new AuthenticationException($"{peer} is not a Spindle listener (it did not open with the Spindle handshake).");
        }

        byte[] challenge = RandomNumberGenerator.GetBytes(NonceBytes);
        exchange.Send([.. Mac(key, "client", opening.AsSpan(Magic.Length)), .. challenge]);
        if (exchange.Receive(1)[0] != 1)
        {
            throw new AuthenticationException($"The listener {peer} rejected this client's authentication key: the authKey differs from the listener's.");
        }

        bool accepted = CryptographicOperations.FixedTimeEquals(exchange.Receive(MacBytes), Mac(key, "server", challenge));
        exchange.Send([accepted ? (byte)1 : (byte)0]);
        if (!accepted)
        {
            throw new AuthenticationException($"The listener {peer} did not prove it knows the authentication key: its authKey differs from this client's.");
        }

        exchange.Done();
    }

    public static byte[] Mac(byte[] key, string role, ReadOnlySpan<byte> challenge)
    {
        byte[] message = [.. System.Text.Encoding.ASCII.GetBytes(role), .. challenge];
        return HMACSHA256.HashData(key, message);
    }

    /// <summary>Blocking sends and receives that all share one deadline.</summary>
    private sealed class Exchange(Socket socket, TimeSpan timeout, string peer)
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        public void Send(byte[] bytes)
        {
            int sent = 0;
            while (sent < bytes.Length)
            {
                socket.SendTimeout = Remaining();
                sent += Guard(() => socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None));
            }
        }

        public byte[] Receive(int count)
        {
            byte[] buffer = new byte[count];
            int read = 0;
            while (read < count)
            {
                socket.ReceiveTimeout = Remaining();
                int n = Guard(() => socket.Receive(buffer, read, count - read, SocketFlags.None));
                if (n == 0)
                {
                    throw Closed();
                }

                read += n;
            }

            return buffer;
        }

        /// <summary>Back to waiting without limit: the connection's own calls decide how long they wait.</summary>
        public void Done()
        {
            socket.SendTimeout = 0;
            socket.ReceiveTimeout = 0;
        }

        private int Remaining()
        {
            TimeSpan left = timeout - Stopwatch.GetElapsedTime(_started);
            return left > TimeSpan.Zero ? Math.Max(1, (int)Math.Ceiling(left.TotalMilliseconds)) : throw TimedOut();
        }

        private int Guard(Func<int> operation)
        {
            try
            {
                return operation();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock)
            {
                throw TimedOut();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
            {
                throw Closed();
            }
        }

        private AuthenticationException TimedOut() =>
            new($"The authentication handshake with {peer} did not finish within {timeout.TotalSeconds:0.###} s (ConnectionOptions.HandshakeTimeout).");

        private AuthenticationException Closed() =>
            new($"{peer} closed the connection during the authentication handshake (a wrong authKey on its side, or not a Spindle peer).");
    }
}
