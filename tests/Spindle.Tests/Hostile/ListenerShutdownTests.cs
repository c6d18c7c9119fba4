using Spindle.Ipc;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>Cancelling an accept or disposing a listener while silent peers hold handshakes open loses nothing and leaks nothing.</summary>
public class ListenerShutdownTests
{
    [Theory]
    [MemberData(nameof(ListenerFloodTests.Addresses), MemberType = typeof(ListenerFloodTests))]
    public async Task Dispose_ClosesPendingHandshakesAndConnectionsNobodyAccepted(string address)
    {
        Listener listener = ListenerFloodTests.Listen(address, new ConnectionOptions { HandshakeTimeout = TimeSpan.FromHours(1) });
        var silent = new List<RawPeer>();
        try
        {
            for (int i = 0; i < 5; i++)
            {
                silent.Add(await RawPeer.ConnectAsync(listener.Endpoint));
                await silent[i].ReadOpeningAsync();
            }

            // Handshakes run without anyone accepting: the client is in, its connection waits for AcceptAsync.
            using Connection unaccepted = await Client.ConnectAsync(listener.Address, ListenerFloodTests.Key).AsTask().Promptly("a client's handshake with nobody accepting");

            listener.Dispose();

            foreach (RawPeer peer in silent)
            {
                await peer.ClosedByListenerAsync(Prompt.Bound, "a pending handshake when the listener was disposed");
            }

            await Assert.ThrowsAsync<ConnectionClosedException>(() => unaccepted.ReceiveAsync<int>().AsTask().Promptly("the unaccepted connection to close"));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => listener.AcceptAsync().AsTask());
        }
        finally
        {
            listener.Dispose();
            silent.ForEach(peer => peer.Dispose());
        }
    }

    [Fact]
    public async Task Dispose_WhileAcceptAsyncWaits_ItThrowsObjectDisposed()
    {
        await using Listener listener = ListenerFloodTests.Listen("tcp:127.0.0.1:0");
        using RawPeer silent = await RawPeer.ConnectAsync(listener.Endpoint);
        Task<Connection> accepting = listener.AcceptAsync().AsTask();

        await listener.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => accepting.Promptly("the waiting accept to fail"));
    }

    [Theory]
    [MemberData(nameof(ListenerFloodTests.Addresses), MemberType = typeof(ListenerFloodTests))]
    public async Task AcceptAsync_CancelledWhileASilentPeerWaits_LosesNothing_TheNextCallGetsTheNextClient(string address)
    {
        await using Listener listener = ListenerFloodTests.Listen(address);
        using RawPeer silent = await RawPeer.ConnectAsync(listener.Endpoint);
        await silent.ReadOpeningAsync();

        using var cancel = new CancellationTokenSource(Bounded.Expected);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listener.AcceptAsync(cancel.Token).AsTask().Within("cancellation"));

        Assert.True(await silent.StaysOpenAsync(), "Cancelling an accept dropped a handshake in progress.");
        await ListenerFloodTests.RealClientGetsInAsync(listener);
    }

    [Theory]
    [MemberData(nameof(ListenerFloodTests.Addresses), MemberType = typeof(ListenerFloodTests))]
    public async Task AcceptAsync_ReturnsConnectionsInTheOrderTheirHandshakesFinished(string address)
    {
        await using Listener listener = ListenerFloodTests.Listen(address);
        using RawPeer silent = await RawPeer.ConnectAsync(listener.Endpoint);
        var clients = new List<Connection>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                Connection client = await Client.ConnectAsync(listener.Address, ListenerFloodTests.Key).AsTask().Promptly($"client {i}");
                clients.Add(client);
                await client.SendAsync(i);
            }

            for (int i = 0; i < 3; i++)
            {
                using Connection accepted = i == 1
                    ? await Task.Run(listener.Accept).Promptly("the blocking Accept")
                    : await listener.AcceptAsync().AsTask().Promptly($"accept {i}");
                Assert.Equal(i, await accepted.ReceiveAsync<int>().AsTask().Promptly($"client {i}'s number"));
            }
        }
        finally
        {
            clients.ForEach(client => client.Dispose());
        }
    }
}
