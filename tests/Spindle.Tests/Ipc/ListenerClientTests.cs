using System.Net.Sockets;
using System.Security.Authentication;
using Spindle.Ipc;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>Authenticated connections between this process and worker processes, over Unix-domain sockets and TCP.</summary>
public class ListenerClientTests
{
    private static readonly byte[] Key = "a shared secret of enough bytes"u8.ToArray();

    public static TheoryData<string?> Addresses => new() { null, "tcp:127.0.0.1:0", "tcp:[::1]:0" };

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task RightKey_WorkerProcessConnects_MessagesFlowBothWays(string? address)
    {
        await using Listener listener = address is null ? new Listener(Key) : new Listener(address, Key);
        await using WorkerPool pool = TestPools.Process();
        Task<int> worker = pool.RunAsync(static (string at, byte[] key) =>
        {
            using Connection connection = Client.Connect(at, key);
            connection.Send(connection.Receive<string>() + " back");
            connection.Send(Environment.ProcessId);
            return connection.Receive<int>();
        }, listener.Address, Key);

        using Connection accepted = await listener.AcceptAsync().AsTask().Within("the worker's connection");
        await accepted.SendAsync("there and");
        Assert.Equal("there and back", await accepted.ReceiveAsync<string>().AsTask().Within("the reply"));
        Assert.NotEqual(Environment.ProcessId, await accepted.ReceiveAsync<int>().AsTask().Within("the worker's pid"));
        await accepted.SendAsync(77);
        Assert.Equal(77, await worker.Within("the worker"));
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task WrongKey_BothSidesGetAuthenticationException(string? address)
    {
        await using Listener listener = address is null ? new Listener(Key) : new Listener(address, Key);
        await using WorkerPool pool = TestPools.Process();
        Task<string> worker = pool.RunAsync(static (string at) =>
        {
            try
            {
                Client.Connect(at, "not the key"u8.ToArray()).Dispose();
                return "connected";
            }
            catch (AuthenticationException e)
            {
                return e.Message;
            }
        }, listener.Address);

        var refused = await Assert.ThrowsAsync<AuthenticationException>(() => listener.AcceptAsync().AsTask().Within("the refused client"));
        Assert.Contains("authKey", refused.Message, StringComparison.Ordinal);
        Assert.Contains("authKey", await worker.Within("the worker's verdict"), StringComparison.Ordinal);

        // The listener keeps serving after a refusal.
        Task<Connection> next = listener.AcceptAsync().AsTask();
        using Connection good = await Client.ConnectAsync(listener.Address, Key).AsTask().Within("a good client");
        using Connection accepted = await next.Within("the good client accepted");
        good.Send(1);
        Assert.Equal(1, accepted.Receive<int>());
    }

    [Fact]
    public async Task SilentPeer_HandshakeTimesOut_NamingTheOption()
    {
        await using var listener = new Listener(Key, new ConnectionOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) });
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await silent.ConnectAsync(listener.Endpoint);
        var timedOut = await Assert.ThrowsAsync<AuthenticationException>(() => listener.AcceptAsync().AsTask().Within("the handshake timeout"));
        Assert.Contains("HandshakeTimeout", timedOut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcceptAsync_Cancelled_ThrowsOperationCanceled()
    {
        await using var listener = new Listener(Key);
        using var cancel = new CancellationTokenSource(Bounded.Expected);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listener.AcceptAsync(cancel.Token).AsTask().Within("cancellation"));
    }

    [Fact]
    public async Task Connect_NoListenerAtThatPath_ThrowsFileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), $"spindle-missing-{Guid.NewGuid():N}.sock");
        await Assert.ThrowsAsync<FileNotFoundException>(() => Client.ConnectAsync("unix:" + path, Key).AsTask());
        Assert.Throws<ArgumentException>(() => Client.Connect("nowhere", Key));
        Assert.Throws<ArgumentException>(() => new Listener([]));
    }

    [Fact]
    public async Task Receive_MessageOverTheReceiversLimit_ThrowsNamingTheOption()
    {
        await using var listener = new Listener(Key, new ConnectionOptions { MaxMessageBytes = 1024 });
        Task<Connection> accepting = listener.AcceptAsync().AsTask();
        using Connection client = await Client.ConnectAsync(listener.Address, Key).AsTask().Within("connect");
        using Connection accepted = await accepting.Within("accept");
        client.SendBytes(new byte[2000]);
        var tooBig = Assert.Throws<MessageTooLargeException>(() => accepted.ReceiveBytes());
        Assert.Contains("MaxMessageBytes", tooBig.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidDataException>(() => accepted.Receive<int>());
    }
}
