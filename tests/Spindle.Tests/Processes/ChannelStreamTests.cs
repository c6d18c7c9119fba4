using System.Net.Sockets;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Processes;

/// <summary>
/// The private channel's plain-system-call connect, send and receive (what a worker uses instead of the managed socket
/// calls): they must behave like the managed calls, errors included, over real Unix sockets.
/// </summary>
public sealed class ChannelStreamTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-stream-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ConnectUnixStream_ListeningPath_BytesFlowBothWays()
    {
        using Socket listener = Listen(out string path);
        using Socket client = Native.ConnectUnixStream(path);
        using Socket server = await listener.AcceptAsync().Within("the accepted connection");

        SendAll(client, "ping"u8);
        Assert.Equal("ping", ReceiveText(server, 4));
        SendAll(server, "pong!"u8);
        Assert.Equal("pong!", ReceiveText(client, 5));
        Assert.True(client.Connected);
    }

    [Fact]
    public async Task StreamReceive_PeerClosed_ReturnsZero()
    {
        using Socket listener = Listen(out string path);
        using Socket client = Native.ConnectUnixStream(path);
        using (Socket server = await listener.AcceptAsync().Within("the accepted connection"))
        {
            SendAll(server, "last"u8);
        }

        Assert.Equal("last", ReceiveText(client, 4));
        Assert.Equal(0, Native.StreamReceive(client, new byte[16]));
    }

    [Fact]
    public async Task StreamSend_PeerGone_ThrowsSocketExceptionWithoutKillingTheProcess()
    {
        using Socket listener = Listen(out string path);
        using Socket client = Native.ConnectUnixStream(path);
        (await listener.AcceptAsync().Within("the accepted connection")).Dispose();

        // The first send may still land in the buffer; a broken pipe must surface as an exception, not SIGPIPE.
        var failure = Assert.Throws<SocketException>(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                Native.StreamSend(client, new byte[4096]);
            }
        });
        Assert.Contains(failure.SocketErrorCode, new[] { SocketError.Shutdown, SocketError.ConnectionReset });
    }

    [Fact]
    public async Task StreamReceive_BlockedReader_WakesWhenTheSocketIsShutDown()
    {
        using Socket listener = Listen(out string path);
        using Socket client = Native.ConnectUnixStream(path);
        using Socket server = await listener.AcceptAsync().Within("the accepted connection");
        Task<int> reading = Task.Factory.StartNew(() => Native.StreamReceive(client, new byte[16]), TaskCreationOptions.LongRunning);
        Assert.NotSame(reading, await Task.WhenAny(reading, Task.Delay(Bounded.Expected)));

        client.Shutdown(SocketShutdown.Both);

        Assert.Equal(0, await reading.Within("the blocked read to end"));
    }

    [Fact]
    public async Task StreamReceive_SocketUsedAsynchronously_StillBlocksUntilDataArrives()
    {
        using Socket listener = Listen(out string path);
        using Socket client = Native.ConnectUnixStream(path);
        using Socket server = await listener.AcceptAsync().Within("the accepted connection");

        // An async receive switches the descriptor to non-blocking mode for good; the plain call then takes the managed path.
        SendAll(server, "a"u8);
        Assert.Equal(1, await client.ReceiveAsync(new byte[1]).Within("the async receive"));
        Task<int> reading = Task.Factory.StartNew(() => Native.StreamReceive(client, new byte[16]), TaskCreationOptions.LongRunning);
        Assert.NotSame(reading, await Task.WhenAny(reading, Task.Delay(Bounded.Expected)));
        SendAll(server, "bc"u8);

        Assert.Equal(2, await reading.Within("the read after the async receive"));
    }

    [Fact]
    public void StreamReceive_NonBlockingSocketWithNothingWaiting_ThrowsWouldBlockLikeTheManagedCall()
    {
        using Socket listener = Listen(out string path);
        using Socket client = Native.ConnectUnixStream(path);
        client.Blocking = false;

        var failure = Assert.Throws<SocketException>(() => Native.StreamReceive(client, new byte[16]));

        Assert.Equal(SocketError.WouldBlock, failure.SocketErrorCode);
    }

    [Fact]
    public void StreamSend_DisposedSocket_ThrowsObjectDisposed()
    {
        using Socket listener = Listen(out string path);
        Socket client = Native.ConnectUnixStream(path);
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => Native.StreamSend(client, "x"u8));
    }

    [Fact]
    public void ConnectUnixStream_NoSocketAtPath_ThrowsSocketExceptionNamingThePath()
    {
        string path = Path.Combine(_directory, "missing.sock");

        var failure = Assert.Throws<SocketException>(() => Native.ConnectUnixStream(path));

        Assert.Equal(SocketError.AddressNotAvailable, failure.SocketErrorCode);
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectUnixStream_SocketFileWithoutListener_ThrowsConnectionRefused()
    {
        string path = Path.Combine(_directory, "bound.sock");
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));

        var failure = Assert.Throws<SocketException>(() => Native.ConnectUnixStream(path));

        Assert.Equal(SocketError.ConnectionRefused, failure.SocketErrorCode);
    }

    [Fact]
    public void ConnectUnixStream_PathTooLong_ThrowsNamingThePath()
    {
        string path = Path.Combine(_directory, new string('x', 120));

        var failure = Assert.Throws<ArgumentOutOfRangeException>(() => Native.ConnectUnixStream(path));

        Assert.Equal("path", failure.ParamName);
    }

    private Socket Listen(out string path)
    {
        path = Path.Combine(_directory, $"{Guid.NewGuid():N}.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(4);
        return listener;
    }

    private static void SendAll(Socket socket, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[Native.StreamSend(socket, data)..];
        }
    }

    private static string ReceiveText(Socket socket, int count)
    {
        byte[] buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = Native.StreamReceive(socket, buffer.AsSpan(got));
            Assert.NotEqual(0, n);
            got += n;
        }

        return System.Text.Encoding.UTF8.GetString(buffer);
    }
}
