using System.Diagnostics;
using System.Security.Authentication;
using System.Text;
using Spindle.Ipc;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// Peers that connect to a <see cref="Listener"/> and never finish the handshake (silent, half a hello, garbage, a
/// flood of them) cost the listener a slot each, are closed and counted, and never keep a real client waiting.
/// </summary>
public class ListenerFloodTests
{
    internal static readonly byte[] Key = "a shared secret of enough bytes"u8.ToArray();

    public static TheoryData<string> Addresses => new() { "unix", "tcp:127.0.0.1:0" };

    public static TheoryData<string, string> AddressesAndMisbehaviours
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (string address in new[] { "unix", "tcp:127.0.0.1:0" })
            {
                foreach (string misbehaviour in new[] { "random bytes", "an HTTP request", "hang up at once", "wrong key" })
                {
                    data.Add(address, misbehaviour);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task SilentPeer_HeldOpen_RealClientWithDefaultOptionsGetsInPromptly(string address)
    {
        await using Listener listener = Listen(address);
        using RawPeer silent = await RawPeer.ConnectAsync(listener.Endpoint);

        await RealClientGetsInAsync(listener);
        Assert.Equal(0, listener.RejectedConnections);
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task HalfHello_Stalled_RealClientWithDefaultOptionsGetsInPromptly(string address)
    {
        await using Listener listener = Listen(address);
        using RawPeer staller = await RawPeer.ConnectAsync(listener.Endpoint);
        await staller.ReadOpeningAsync();
        await staller.SendAsync(new byte[10]);

        await RealClientGetsInAsync(listener);
        Assert.True(await staller.StaysOpenAsync(), "The stalled peer was dropped before its HandshakeTimeout.");
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task FloodBeyondTheBound_HeldOpen_RealWorkerProcessGetsInPromptly(string address)
    {
        const int flood = 200;
        await using WorkerPool pool = TestPools.Process();
        await pool.RunAsync(static () => 0).Within("the worker to start");
        await using Listener listener = Listen(address);
        var peers = new List<RawPeer>();
        try
        {
            for (int i = 0; i < flood; i++)
            {
                peers.Add(await RawPeer.ConnectAsync(listener.Endpoint));
            }

            // The last one greeted means every one before it was taken in, and the oldest pushed out past the bound.
            await peers[^1].ReadOpeningAsync();
            int overBound = flood - ConnectionOptions.DefaultMaxPendingHandshakes;
            await Bounded.Eventually(() => listener.RejectedConnections == overBound, $"the {overBound} oldest silent peers are dropped");

            Task<string> worker = pool.RunAsync(static (string at, byte[] key) =>
            {
                using Connection connection = Client.Connect(at, key);
                connection.Send("from a worker");
                return connection.Receive<string>();
            }, listener.Address, Key);
            using Connection accepted = await listener.AcceptAsync().AsTask().Promptly("the worker's connection, past the flood");
            Assert.Equal("from a worker", await accepted.ReceiveAsync<string>().AsTask().Promptly("the worker's message"));
            await accepted.SendAsync("welcome");
            Assert.Equal("welcome", await worker.Promptly("the worker's reply"));

            await peers[overBound].ClosedByListenerAsync(Prompt.Bound, "the oldest silent peer when the worker came in");
            Assert.Equal(overBound + 1, listener.RejectedConnections);
            Assert.True(await peers[^1].StaysOpenAsync(), "The newest silent peer was dropped instead of the oldest.");
        }
        finally
        {
            peers.ForEach(peer => peer.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task SmallBound_Full_TheOldestPendingHandshakeMakesWayForANewcomer(string address)
    {
        await using Listener listener = Listen(address, new ConnectionOptions { MaxPendingHandshakes = 4, HandshakeTimeout = TimeSpan.FromHours(1) });
        var peers = new List<RawPeer>();
        try
        {
            for (int i = 0; i < 20; i++)
            {
                RawPeer peer = await RawPeer.ConnectAsync(listener.Endpoint);
                peers.Add(peer);
                await peer.ReadOpeningAsync();
            }

            for (int i = 0; i < 16; i++)
            {
                await peers[i].ClosedByListenerAsync(Prompt.Bound, $"silent peer {i}, pushed out by peer {i + 4}");
            }

            Assert.All(await Task.WhenAll(peers.Skip(16).Select(peer => peer.StaysOpenAsync())), Assert.True);
            Assert.Equal(16, listener.RejectedConnections);

            await RealClientGetsInAsync(listener);
            await peers[16].ClosedByListenerAsync(Prompt.Bound, "the oldest silent peer when the real client came in");
            Assert.Equal(17, listener.RejectedConnections);
        }
        finally
        {
            peers.ForEach(peer => peer.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task BurstOfRealClients_LargerThanTheBound_AllGetIn_NonePushedOut(string address)
    {
        await using Listener listener = Listen(address, new ConnectionOptions { MaxPendingHandshakes = 2 });
        const int burst = 12;
        Task<Connection>[] connecting = [.. Enumerable.Range(0, burst).Select(_ => Client.ConnectAsync(listener.Address, Key).AsTask())];
        Connection[] clients = await Task.WhenAll(connecting).Within("a burst of clients");
        try
        {
            for (int i = 0; i < burst; i++)
            {
                using Connection accepted = await listener.AcceptAsync().AsTask().Promptly($"accept {i} of the burst");
            }

            Assert.Equal(0, listener.RejectedConnections);
        }
        finally
        {
            Array.ForEach(clients, client => client.Dispose());
        }
    }

    [Theory]
    [MemberData(nameof(AddressesAndMisbehaviours))]
    public async Task Misbehaving_IsClosedAndCounted_NotThrownFromAccept_AndTheListenerServesOn(string address, string misbehaviour)
    {
        await using Listener listener = Listen(address);
        Task<Connection> accepting = listener.AcceptAsync().AsTask();

        if (misbehaviour == "wrong key")
        {
            var refused = await Assert.ThrowsAsync<AuthenticationException>(() => Client.ConnectAsync(listener.Address, "not the key"u8.ToArray()).AsTask().Promptly("the wrong key's refusal"));
            Assert.Contains("authKey", refused.Message, StringComparison.Ordinal);
        }
        else
        {
            using RawPeer peer = await RawPeer.ConnectAsync(listener.Endpoint);
            switch (misbehaviour)
            {
                case "random bytes":
                    await peer.SendAsync(RandomNumbers(100));
                    break;
                case "an HTTP request":
                    await peer.SendAsync(Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
                    peer.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
                    break;
                default:
                    peer.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
                    break;
            }

            await peer.ClosedByListenerAsync(Prompt.Bound, misbehaviour);
        }

        await Bounded.Eventually(() => listener.RejectedConnections == 1, $"{misbehaviour} is counted as refused");
        Assert.False(accepting.IsCompleted, $"AcceptAsync completed because of {misbehaviour}: {accepting.Exception?.InnerException?.Message}");
        await RealClientGetsInAsync(listener, accepting);
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task HalfHello_Stalled_IsClosedAtTheHandshakeTimeout_AndCounted(string address)
    {
        var timeout = TimeSpan.FromMilliseconds(500);
        await using Listener listener = Listen(address, new ConnectionOptions { HandshakeTimeout = timeout });
        Task<Connection> accepting = listener.AcceptAsync().AsTask();
        var clock = Stopwatch.StartNew();
        using RawPeer staller = await RawPeer.ConnectAsync(listener.Endpoint);
        await staller.ReadOpeningAsync();
        await staller.SendAsync(new byte[10]);

        await staller.ClosedByListenerAsync(Bounded.Unexpected, "a handshake stalled past HandshakeTimeout");
        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(20), $"Dropped after {clock.Elapsed.TotalMilliseconds:0} ms, before the {timeout.TotalMilliseconds:0} ms HandshakeTimeout.");
        await Bounded.Eventually(() => listener.RejectedConnections == 1, "the stalled handshake is counted as refused");
        Assert.False(accepting.IsCompleted, $"AcceptAsync completed because of a stalled peer: {accepting.Exception?.InnerException?.Message}");
        await RealClientGetsInAsync(listener, accepting);
    }

    [Theory]
    [MemberData(nameof(Addresses))]
    public async Task SustainedFlood_ShortHandshakeTimeout_RealClientsKeepGettingIn(string address) =>
        await SustainedFloodAsync(address, new ConnectionOptions { HandshakeTimeout = TimeSpan.FromSeconds(1) }, TimeSpan.FromSeconds(3));

    [LongTheory]
    [MemberData(nameof(Addresses))]
    public async Task SustainedFlood_DefaultOptions_RealClientsKeepGettingIn_Long(string address) =>
        await SustainedFloodAsync(address, new ConnectionOptions(), TimeSpan.FromSeconds(25));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4097)]
    public void MaxPendingHandshakes_OutOfRange_ThrowsNamingTheOption(int value)
    {
        var outOfRange = Assert.Throws<ArgumentOutOfRangeException>(() => new ConnectionOptions { MaxPendingHandshakes = value });
        Assert.Equal(nameof(ConnectionOptions.MaxPendingHandshakes), outOfRange.ParamName);
        Assert.Equal(ConnectionOptions.DefaultMaxPendingHandshakes, new ConnectionOptions().MaxPendingHandshakes);
    }

    internal static Listener Listen(string address, ConnectionOptions? options = null) =>
        address == "unix" ? new Listener(Key, options) : new Listener(address, Key, options);

    /// <summary>A client with default options connects, and a message goes each way, all well within the default HandshakeTimeout.</summary>
    internal static async Task RealClientGetsInAsync(Listener listener, Task<Connection>? accepting = null)
    {
        accepting ??= listener.AcceptAsync().AsTask();
        using Connection client = await Client.ConnectAsync(listener.Address, Key).AsTask().Promptly("a real client's handshake");
        using Connection accepted = await accepting.Promptly("the real client to be accepted");
        await client.SendAsync("ping").AsTask().Promptly("the client's message");
        Assert.Equal("ping", await accepted.ReceiveAsync<string>().AsTask().Promptly("the client's message to arrive"));
        await accepted.SendAsync("pong").AsTask().Promptly("the reply");
        Assert.Equal("pong", await client.ReceiveAsync<string>().AsTask().Promptly("the reply to arrive"));
    }

    /// <summary>A flood keeps the pending table full, across several handshake timeouts; real clients get in one after another.</summary>
    private static async Task SustainedFloodAsync(string address, ConnectionOptions options, TimeSpan duration)
    {
        await using Listener listener = Listen(address, options);
        int realClients = 0;
        await using (Flood flood = Flood.Start(listener.Endpoint, options.MaxPendingHandshakes + 72))
        {
            await Bounded.Eventually(() => listener.RejectedConnections > 0, "the flood fills the listener's pending handshakes");
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                await RealClientGetsInAsync(listener);
                realClients++;
            }

            Assert.True(flood.Opened > options.MaxPendingHandshakes, $"The flood opened only {flood.Opened} connections.");
        }

        Assert.True(realClients >= 3, $"Only {realClients} real clients got in during the flood.");
        Assert.True(listener.RejectedConnections > 72, $"Only {listener.RejectedConnections} flood connections were refused.");
    }

    private static byte[] RandomNumbers(int count)
    {
        byte[] bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }
}
