using System.Net.Sockets;
using System.Security.Authentication;
using Spindle.Ipc;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Ipc;

/// <summary>Authenticated connections between this process and worker processes, over Unix-domain sockets and TCP.</summary>
public class ListenerClientTests
{
    private static readonly byte[] Key = "a shared secret of enough bytes"u8.ToArray();

    public static TheoryData<string?> Addresses => new() { null, "tcp:127.0.0.1:0", "tcp:[::1]:0" };

    [Fact]
    public async Task MessageWithAMemberDeclaredObject_IsReadWithoutTrustingATypeNameFromTheSender()
    {
        // A listener may hear from any program that has its key: a message never makes it create a type the sender
        // names. Calls between a pool and its own workers carry the runtime type; messages read such a member back as
        // JSON, as System.Text.Json does.
        await using var listener = new Listener(Key);
        await using WorkerPool pool = TestPools.Process();
        Task sender = pool.RunAsync(static (string at, byte[] key) =>
        {
            using Connection connection = Client.Connect(at, key);
            connection.Send(new Envelope(new Marker(7)));
            connection.Receive<int>();
        }, listener.Address, Key);
        using Connection accepted = await listener.AcceptAsync().AsTask().Within("the sender's connection");

        Envelope received = await Task.Run(() => accepted.Receive<Envelope>()).Within("the message");
        accepted.Send(0);
        await sender.Within("the sender");

        var json = Assert.IsType<System.Text.Json.JsonElement>(received.Body);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, json.ValueKind);
        Assert.False(json.TryGetProperty("$type", out _), json.ToString());
        Assert.Equal(7, json.GetProperty("Value").GetInt32());
    }

    public sealed record Envelope(object Body);

    public sealed record Marker(int Value);

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
    public async Task WrongKey_ClientGetsAuthenticationException_ListenerCountsTheRefusalAndServesOn(string? address)
    {
        await using Listener listener = address is null ? new Listener(Key) : new Listener(address, Key);
        await using WorkerPool pool = TestPools.Process();
        Task<Connection> next = listener.AcceptAsync().AsTask();
        string verdict = await pool.RunAsync(static (string at) =>
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
        }, listener.Address).Within("the worker's verdict");

        Assert.Contains("authKey", verdict, StringComparison.Ordinal);
        await Bounded.Eventually(() => listener.RejectedConnections == 1, "the listener counts the refusal");
        Assert.False(next.IsCompleted, "A refused client surfaced from AcceptAsync.");

        using Connection good = await Client.ConnectAsync(listener.Address, Key).AsTask().Within("a good client");
        using Connection accepted = await next.Within("the good client accepted");
        good.Send(1);
        Assert.Equal(1, accepted.Receive<int>());
    }

    [Fact]
    public void ListenerAndClient_UnixPathTooLongForASocket_NameAddressAndSayWhy()
    {
        // It was the socket library's ArgumentOutOfRangeException, naming a parameter 'path' nobody wrote.
        string address = "unix:/tmp/" + new string('s', 200) + ".sock";
        var listening = Assert.Throws<ArgumentException>(() => new Listener(address, Key));
        Assert.Equal("address", listening.ParamName);
        Assert.Contains("more than a Unix socket path can hold", listening.Message, StringComparison.Ordinal);
        var connecting = Assert.Throws<ArgumentException>(() => Client.Connect(address, Key));
        Assert.Equal("address", connecting.ParamName);
    }

    [Fact]
    public void Listener_UnixPathInAMissingDirectoryOrOnAPlainFile_SaysWhich()
    {
        string missing = Path.Combine(Path.GetTempPath(), "spindle-no-such-dir-" + Guid.NewGuid().ToString("N"), "s.sock");
        var noDirectory = Assert.Throws<DirectoryNotFoundException>(() => new Listener("unix:" + missing, Key));
        Assert.Contains($"its directory {Path.GetDirectoryName(missing)} does not exist", noDirectory.Message, StringComparison.Ordinal);

        string file = Path.GetTempFileName();
        try
        {
            var taken = Assert.Throws<IOException>(() => new Listener("unix:" + file, Key));
            Assert.Contains("any other file at that path", taken.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task SilentListener_ClientHandshakeTimesOut_NamingTheOption()
    {
        string path = Path.Combine(Path.GetTempPath(), $"spindle-silent-{Guid.NewGuid():N}.sock");
        using var silent = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        silent.Bind(new UnixDomainSocketEndPoint(path));
        silent.Listen(1);
        try
        {
            var options = new ConnectionOptions { HandshakeTimeout = TimeSpan.FromMilliseconds(300) };
            var timedOut = await Assert.ThrowsAsync<AuthenticationException>(() => Client.ConnectAsync("unix:" + path, Key, options).AsTask().Within("the handshake timeout"));
            Assert.Contains("HandshakeTimeout", timedOut.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task BothEnds_StayBlockingSockets_SoSynchronousCallsKeepTheFastPath(string? address)
    {
        await using Listener listener = address is null ? new Listener(Key) : new Listener(address, Key);
        Task<Connection> accepting = listener.AcceptAsync().AsTask();
        using Connection client = await Client.ConnectAsync(listener.Address, Key).AsTask().Within("connect");
        using Connection accepted = await accepting.Within("accept");

        // An async call on a .NET socket would have set O_NONBLOCK for good (see Handshake).
        Assert.False(IsNonBlocking(accepted.Socket), "The accepted socket was switched to non-blocking mode.");
        Assert.False(IsNonBlocking(client.Socket), "The client's socket was switched to non-blocking mode.");
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

    private static bool IsNonBlocking(Socket socket)
    {
        const int ONonblock = 0x800;
        string flags = File.ReadLines($"/proc/self/fdinfo/{socket.SafeHandle.DangerousGetHandle()}").First(line => line.StartsWith("flags:", StringComparison.Ordinal));
        return (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & ONonblock) != 0;
    }
}
