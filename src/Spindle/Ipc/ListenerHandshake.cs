using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.Versioning;
using System.Security.Cryptography;

namespace Spindle.Ipc;

/// <summary>
/// The listener's side of one <see cref="Handshake"/>, moved one step each time its socket has bytes to read, so the
/// accept loop runs every pending handshake at once on its one thread and a silent peer holds up nobody.
/// </summary>
/// <remarks>
/// Reads happen only after poll reported the socket readable, and never ask for more than the step needs, so they
/// return at once and leave a client's first message in the socket for its <see cref="Connection"/>. Sends are under
/// 100 bytes into a fresh socket's empty send buffer, so they do not wait either; the send timeout only bounds the
/// impossible case.
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed class ListenerHandshake
{
    private readonly byte[] _key;
    private readonly byte[] _challenge = RandomNumberGenerator.GetBytes(Handshake.NonceBytes);
    private byte[] _expected = new byte[Handshake.MacBytes + Handshake.NonceBytes];
    private int _received;
    private bool _answered;

    public ListenerHandshake(Socket socket, byte[] key, TimeSpan timeout)
    {
        Socket = socket;
        _key = key;
        Started = Stopwatch.GetTimestamp();
        Deadline = Started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        socket.SendTimeout = (int)Math.Min(int.MaxValue, Math.Ceiling(timeout.TotalMilliseconds));
    }

    public Socket Socket { get; }

    /// <summary>When the connection was accepted, as a <see cref="Stopwatch"/> timestamp.</summary>
    public long Started { get; }

    /// <summary>When this handshake must be done, as a <see cref="Stopwatch"/> timestamp.</summary>
    public long Deadline { get; }

    /// <summary>Sends the magic line and the challenge; false when the peer is already gone.</summary>
    public bool Open() => TrySend([.. Handshake.Magic, .. _challenge]);

    /// <summary>Takes what the peer has sent so far. Call only when the socket is readable.</summary>
    public HandshakeStep Advance()
    {
        int read;
        try
        {
            read = Socket.Receive(_expected, _received, _expected.Length - _received, SocketFlags.None);
        }
        catch (SocketException)
        {
            return HandshakeStep.Refused;
        }

        if (read == 0)
        {
            return HandshakeStep.Refused;
        }

        _received += read;
        if (_received < _expected.Length)
        {
            return HandshakeStep.Pending;
        }

        return _answered ? TakeVerdict() : TakeAnswer();
    }

    /// <summary>The client's HMAC of our challenge and its own challenge: prove we hold the key too, or refuse.</summary>
    private HandshakeStep TakeAnswer()
    {
        byte[] answer = _expected;
        if (!CryptographicOperations.FixedTimeEquals(answer.AsSpan(0, Handshake.MacBytes), Handshake.Mac(_key, "client", _challenge)))
        {
            // Tell a client with the wrong key why it is refused; it sees AuthenticationException naming authKey.
            TrySend([0]);
            return HandshakeStep.Refused;
        }

        _answered = true;
        _expected = new byte[1];
        _received = 0;
        return TrySend([1, .. Handshake.Mac(_key, "server", answer.AsSpan(Handshake.MacBytes))]) ? HandshakeStep.Pending : HandshakeStep.Refused;
    }

    /// <summary>The client's verdict on our proof; after it, the connection's own calls decide how long they wait.</summary>
    private HandshakeStep TakeVerdict()
    {
        if (_expected[0] != 1)
        {
            return HandshakeStep.Refused;
        }

        try
        {
            Socket.SendTimeout = 0;
        }
        catch (SocketException)
        {
            return HandshakeStep.Refused;
        }

        return HandshakeStep.Authenticated;
    }

    private bool TrySend(byte[] bytes)
    {
        try
        {
            int sent = 0;
            while (sent < bytes.Length)
            {
                sent += Socket.Send(bytes, sent, bytes.Length - sent, SocketFlags.None);
            }

            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
