using System.Net;
using System.Net.Sockets;
using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>A plain socket to a <see cref="Listener"/> that speaks its handshake badly, or not at all.</summary>
internal sealed class RawPeer : IDisposable
{
    private RawPeer(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<RawPeer> ConnectAsync(EndPoint endpoint)
    {
        using var deadline = new CancellationTokenSource(Prompt.Bound);
        while (true)
        {
            var socket = endpoint is UnixDomainSocketEndPoint
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(endpoint, deadline.Token);
                return new RawPeer(socket);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.WouldBlock && !deadline.IsCancellationRequested)
            {
                // A Unix socket's backlog is full: an async connect fails at once where a blocking one would wait
                // (and could not be abandoned), so try again in a moment.
                socket.Dispose();
                await Task.Delay(5);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                socket.Dispose();
                throw new TimeoutException($"Timed out after {Prompt.Bound.TotalSeconds} s connecting to the listener: its backlog stayed full.");
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    /// <summary>Reads the listener's magic line and challenge: proof that it has taken this connection into a handshake.</summary>
    public async Task<byte[]> ReadOpeningAsync()
    {
        byte[] opening = new byte[Handshake.OpeningBytes];
        int read = 0;
        while (read < opening.Length)
        {
            int n = await Socket.ReceiveAsync(opening.AsMemory(read), SocketFlags.None).AsTask().Promptly("the listener's opening");
            Assert.True(n > 0, "The listener closed the connection before sending its whole opening.");
            read += n;
        }

        Assert.True(opening.AsSpan(0, Handshake.Magic.Length).SequenceEqual(Handshake.Magic), "The opening does not start with the Spindle magic line.");
        return opening;
    }

    public Task SendAsync(byte[] bytes) => Socket.SendAsync(bytes, SocketFlags.None).Promptly("a send to the listener");

    /// <summary>Reads and discards until the listener closes the connection (end of stream or reset), failing after <paramref name="within"/>.</summary>
    public async Task ClosedByListenerAsync(TimeSpan within, string what)
    {
        using var timeout = new CancellationTokenSource(within);
        byte[] sink = new byte[256];
        try
        {
            while (await Socket.ReceiveAsync(sink, SocketFlags.None, timeout.Token) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            // Closed with our bytes unread: a reset rather than an end of stream, the same verdict.
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The listener did not close {what} within {within.TotalSeconds:0.###} s.");
        }
    }

    /// <summary>Whether the listener leaves the connection open for <see cref="Bounded.Expected"/>; read the opening first.</summary>
    public async Task<bool> StaysOpenAsync()
    {
        using var timeout = new CancellationTokenSource(Bounded.Expected);
        try
        {
            await Socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token);
            return false;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            return false;
        }
    }

    public void Dispose() => Socket.Dispose();
}
