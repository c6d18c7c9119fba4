using System.Net.Sockets;
using Spindle;
using Spindle.Processes;
using Spindle.Tests.Support;
using Spindle.Wire;
using Spindle.Interop;

namespace Spindle.Tests.Processes;

/// <summary>
/// The private channel's plain-system-call connect, send and receive (a worker's channel ends are plain descriptors,
/// the parent's are managed sockets doing their blocking I/O the same way): they must behave like the managed calls,
/// errors included, over real Unix sockets.
/// </summary>
public sealed class ChannelStreamTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("spindle-stream-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task ConnectUnixDescriptor_ListeningPath_BytesFlowBothWays()
    {
        using Socket listener = Listen(out string path);
        using ChannelDescriptor client = Native.ConnectUnixDescriptor(path);
        using Socket server = await listener.AcceptAsync().Within("the accepted connection");

        SendAll(client, null, "ping"u8);
        Assert.Equal("ping", ReceiveText(server.SafeHandle, server, 4));
        SendAll(server.SafeHandle, server, "pong!"u8);
        Assert.Equal("pong!", ReceiveText(client, null, 5));
    }

    [Fact]
    public async Task FrameSocket_OverADescriptor_ExchangesFramesWithASocketEnd()
    {
        using Socket listener = Listen(out string path);
        using var worker = new FrameSocket(Native.ConnectUnixDescriptor(path), maxFrameBytes: 1024);
        using var parent = new FrameSocket(await listener.AcceptAsync().Within("the accepted connection"), maxFrameBytes: 1024);
        using var frame = new WireWriter();
        frame.BeginFrame(FrameKind.Call);
        frame.WriteInt64(42);
        frame.EndFrame();

        worker.Send(frame.WrittenSpan);
        Assert.True(parent.ReceiveFrame(out FrameKind kind, out ReadOnlySpan<byte> payload));
        Assert.Equal(FrameKind.Call, kind);
        Assert.Equal(42, new WireReader(payload).ReadInt64());

        parent.Send(frame.WrittenSpan);
        Assert.True(worker.ReceiveFrame(out kind, out _));
        Assert.Equal(FrameKind.Call, kind);
        Assert.Throws<InvalidOperationException>(() => worker.Socket);

        worker.Dispose();
        Assert.False(parent.ReceiveFrame(out _, out _));
    }

    [Fact]
    public async Task StreamReceive_PeerClosed_ReturnsZero()
    {
        using Socket listener = Listen(out string path);
        using ChannelDescriptor client = Native.ConnectUnixDescriptor(path);
        using (Socket server = await listener.AcceptAsync().Within("the accepted connection"))
        {
            SendAll(server.SafeHandle, server, "last"u8);
        }

        Assert.Equal("last", ReceiveText(client, null, 4));
        Assert.Equal(0, Native.StreamReceive(client, new byte[16], null));
    }

    [Fact]
    public async Task StreamSend_PeerGone_ThrowsSocketExceptionWithoutKillingTheProcess()
    {
        using Socket listener = Listen(out string path);
        using ChannelDescriptor client = Native.ConnectUnixDescriptor(path);
        (await listener.AcceptAsync().Within("the accepted connection")).Dispose();

        // The first send may still land in the buffer; a broken pipe must surface as an exception, not SIGPIPE.
        var failure = Assert.Throws<SocketException>(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                Native.StreamSend(client, new byte[4096], null);
            }
        });
        Assert.Contains(failure.SocketErrorCode, new[] { SocketError.Shutdown, SocketError.ConnectionReset });
    }

    [Fact]
    public async Task StreamReceive_BlockedReader_WakesWhenTheDescriptorIsShutDown()
    {
        using Socket listener = Listen(out string path);
        using ChannelDescriptor client = Native.ConnectUnixDescriptor(path);
        using Socket server = await listener.AcceptAsync().Within("the accepted connection");
        Task<int> reading = Task.Factory.StartNew(() => Native.StreamReceive(client, new byte[16], null), TaskCreationOptions.LongRunning);
        Assert.NotSame(reading, await Task.WhenAny(reading, Task.Delay(Bounded.Expected)));

        Native.StreamShutdown(client);

        Assert.Equal(0, await reading.Within("the blocked read to end"));
    }

    [Fact]
    public async Task StreamReceive_SocketUsedAsynchronously_StillBlocksUntilDataArrives()
    {
        using Socket listener = Listen(out string path);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        using Socket server = await listener.AcceptAsync().Within("the accepted connection");

        // An async receive switches the descriptor to non-blocking mode for good; the plain call then takes the managed path.
        SendAll(server.SafeHandle, server, "a"u8);
        Assert.Equal(1, await client.ReceiveAsync(new byte[1]).Within("the async receive"));
        Task<int> reading = Task.Factory.StartNew(() => Native.StreamReceive(client.SafeHandle, new byte[16], client), TaskCreationOptions.LongRunning);
        Assert.NotSame(reading, await Task.WhenAny(reading, Task.Delay(Bounded.Expected)));
        SendAll(server.SafeHandle, server, "bc"u8);

        Assert.Equal(2, await reading.Within("the read after the async receive"));
    }

    [Fact]
    public void BytesAvailable_CountsWhatWaitsUnread_AndAWatchReturnsAtOnceWhenSomethingDoes()
    {
        (Socket first, Socket second) = Native.CreateSocketPair();
        using (first)
        using (second)
        {
            Assert.Equal(0, Native.BytesAvailable(second.SafeHandle));
            first.Send(new byte[] { 1, 2, 3, 4, 5 });

            Assert.Equal(5, Native.BytesAvailable(second.SafeHandle));
            var watch = default(ReadableWatch);
            watch.WaitBriefly(second.SafeHandle);
            Assert.Equal(5, second.Receive(new byte[16]));
            Assert.Equal(0, Native.BytesAvailable(second.SafeHandle));
        }
    }

    [Fact]
    public void StreamReceive_NonBlockingSocketWithNothingWaiting_ThrowsWouldBlockLikeTheManagedCall()
    {
        using Socket listener = Listen(out string path);
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        client.Blocking = false;

        var failure = Assert.Throws<SocketException>(() => Native.StreamReceive(client.SafeHandle, new byte[16], client));

        Assert.Equal(SocketError.WouldBlock, failure.SocketErrorCode);
    }

    [Fact]
    public void StreamSend_DisposedDescriptor_ThrowsObjectDisposed()
    {
        using Socket listener = Listen(out string path);
        ChannelDescriptor client = Native.ConnectUnixDescriptor(path);
        client.Dispose();

        Assert.Throws<ObjectDisposedException>(() => Native.StreamSend(client, "x"u8, null));
    }

    [Fact]
    public void ConnectUnixDescriptor_NoSocketAtPath_ThrowsSocketExceptionNamingThePath()
    {
        string path = Path.Combine(_directory, "missing.sock");

        var failure = Assert.Throws<SocketException>(() => Native.ConnectUnixDescriptor(path));

        Assert.Equal(SocketError.AddressNotAvailable, failure.SocketErrorCode);
        Assert.Contains(path, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConnectUnixDescriptor_SocketFileWithoutListener_ThrowsConnectionRefused()
    {
        string path = Path.Combine(_directory, "bound.sock");
        using var bound = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        bound.Bind(new UnixDomainSocketEndPoint(path));

        var failure = Assert.Throws<SocketException>(() => Native.ConnectUnixDescriptor(path));

        Assert.Equal(SocketError.ConnectionRefused, failure.SocketErrorCode);
    }

    [Fact]
    public void ConnectUnixDescriptor_PathTooLong_ThrowsNamingThePath()
    {
        string path = Path.Combine(_directory, new string('x', 120));

        var failure = Assert.Throws<ArgumentOutOfRangeException>(() => Native.ConnectUnixDescriptor(path));

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

    private static void SendAll(System.Runtime.InteropServices.SafeHandle handle, Socket? managed, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            data = data[Native.StreamSend(handle, data, managed)..];
        }
    }

    private static string ReceiveText(System.Runtime.InteropServices.SafeHandle handle, Socket? managed, int count)
    {
        byte[] buffer = new byte[count];
        int got = 0;
        while (got < count)
        {
            int n = Native.StreamReceive(handle, buffer.AsSpan(got), managed);
            Assert.NotEqual(0, n);
            got += n;
        }

        return System.Text.Encoding.UTF8.GetString(buffer);
    }
}
