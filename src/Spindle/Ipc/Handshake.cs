using System.Net.Sockets;
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
/// </remarks>
internal static class Handshake
{
    private const int NonceBytes = 32;
    private const int MacBytes = 32;

    private static ReadOnlySpan<byte> Magic => "SPINDLE-IPC/1\n"u8;

    public static async ValueTask ListenerSideAsync(Socket socket, byte[] key, TimeSpan timeout, string peer, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(timeout, cancellationToken);
        try
        {
            byte[] challenge = RandomNumberGenerator.GetBytes(NonceBytes);
            await SendAsync(socket, [.. Magic, .. challenge], deadline.Token).ConfigureAwait(false);
            byte[] answer = await ReceiveAsync(socket, MacBytes + NonceBytes, peer, deadline.Token).ConfigureAwait(false);
            if (!CryptographicOperations.FixedTimeEquals(answer.AsSpan(0, MacBytes), Mac(key, "client", challenge)))
            {
                await SendAsync(socket, [0], deadline.Token).ConfigureAwait(false);
                throw new AuthenticationException($"The client {peer} did not prove it knows the authentication key: its authKey differs from this listener's.");
            }

            await SendAsync(socket, [1, .. Mac(key, "server", answer.AsSpan(MacBytes))], deadline.Token).ConfigureAwait(false);
            byte[] verdict = await ReceiveAsync(socket, 1, peer, deadline.Token).ConfigureAwait(false);
            if (verdict[0] != 1)
            {
                throw new AuthenticationException($"The client {peer} refused this listener: its authKey differs from this listener's.");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(peer, timeout);
        }
    }

    public static async ValueTask ClientSideAsync(Socket socket, byte[] key, TimeSpan timeout, string peer, CancellationToken cancellationToken)
    {
        using var deadline = Deadline(timeout, cancellationToken);
        try
        {
            byte[] opening = await ReceiveAsync(socket, Magic.Length + NonceBytes, peer, deadline.Token).ConfigureAwait(false);
            if (!opening.AsSpan(0, Magic.Length).SequenceEqual(Magic))
            {
                throw new AuthenticationException($"{peer} is not a Spindle listener (it did not open with the Spindle handshake).");
            }

            byte[] challenge = RandomNumberGenerator.GetBytes(NonceBytes);
            await SendAsync(socket, [.. Mac(key, "client", opening.AsSpan(Magic.Length)), .. challenge], deadline.Token).ConfigureAwait(false);
            byte[] verdict = await ReceiveAsync(socket, 1, peer, deadline.Token).ConfigureAwait(false);
            if (verdict[0] != 1)
            {
                throw new AuthenticationException($"The listener {peer} rejected this client's authentication key: the authKey differs from the listener's.");
            }

            byte[] proof = await ReceiveAsync(socket, MacBytes, peer, deadline.Token).ConfigureAwait(false);
            bool accepted = CryptographicOperations.FixedTimeEquals(proof, Mac(key, "server", challenge));
            await SendAsync(socket, [accepted ? (byte)1 : (byte)0], deadline.Token).ConfigureAwait(false);
            if (!accepted)
            {
                throw new AuthenticationException($"The listener {peer} did not prove it knows the authentication key: its authKey differs from this client's.");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw TimedOut(peer, timeout);
        }
    }

    private static CancellationTokenSource Deadline(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        source.CancelAfter(timeout);
        return source;
    }

    private static byte[] Mac(byte[] key, string role, ReadOnlySpan<byte> challenge)
    {
        byte[] message = [.. System.Text.Encoding.ASCII.GetBytes(role), .. challenge];
        return HMACSHA256.HashData(key, message);
    }

    private static AuthenticationException TimedOut(string peer, TimeSpan timeout) =>
        new($"The authentication handshake with {peer} did not finish within {timeout.TotalSeconds:0.###} s (ConnectionOptions.HandshakeTimeout).");

    private static async ValueTask SendAsync(Socket socket, byte[] bytes, CancellationToken cancellationToken)
    {
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async ValueTask<byte[]> ReceiveAsync(Socket socket, int count, string peer, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[count];
        int read = 0;
        while (read < count)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                n = 0;
            }

            if (n == 0)
            {
                throw new AuthenticationException($"{peer} closed the connection during the authentication handshake (a wrong authKey on its side, or not a Spindle peer).");
            }

            read += n;
        }

        return buffer;
    }
}
