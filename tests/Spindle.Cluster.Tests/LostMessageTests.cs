using NATS.Client.Core;
using NATS.Client.JetStream;
using Spindle.Cluster.Client;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Calls waiting in the stream whose messages leave it unrun (agents drop a caller they cannot reach; an operator
/// deletes the stream): the pool sends them again, so they complete instead of waiting for ever.
/// </summary>
public sealed class LostMessageTests(NatsServer server) : ClusterTest(server)
{
    /// <summary>
    /// How long a call waits before the test removes its message: far beyond the 100 ms after which the pool has the
    /// server confirm a waiting call (and so knows its sequence number), the state the test is about.
    /// </summary>
    private static readonly TimeSpan Confirmed = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task RunAsync_CallsStreamDeletedWhileCallsWait_SendsThemAgainAndTheyComplete()
    {
        await using var pool = new WorkerPool(PoolOptions());
        Task<int>[] calls = [.. Enumerable.Range(0, 3).Select(i => pool.RunAsync(n => n * 2, i))];
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);
        await StreamHoldsAsync(js, names, 3, "the three calls are stored");
        await Task.Delay(Confirmed);

        // An operator deletes the stream (`nats stream rm`): the calls waiting in it are gone with it.
        await js.DeleteStreamAsync(names.Stream);
        await using AgentProcess agent = await StartAgentAsync("after-delete");

        int[] results = await Task.WhenAll(calls).Within("the calls whose messages went with the stream");
        Assert.Equal([0, 2, 4], results);
        Assert.Equal(3, ((ClusterBackend)pool.Backend).Client.MessagesResent);
    }

    [Fact]
    public async Task RunAsync_CallerCutOffUntilAgentsDropItsCalls_SendsThemAgainOnceBack()
    {
        await using var relay = new TcpRelay(Server.Url);
        await using var pool = new WorkerPool(PoolOptionsThrough(relay, workers: 4));
        Task<int>[] calls = [.. Enumerable.Range(0, 2).Select(i => pool.RunAsync(n => n + 10, i))];
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);
        await StreamHoldsAsync(js, names, 2, "the two calls are stored");
        await Task.Delay(Confirmed);

        // The caller's link goes; an agent finds its calls, cannot claim them, and after --max-deliver unanswered
        // claims drops them from the stream as a dead caller's.
        relay.Cut();
        await using AgentProcess agent = await StartAgentAsync("strict", 1, "--max-deliver", "2");
        await StreamHoldsAsync(js, names, 0, "the agent has dropped the unreachable caller's calls");
        Assert.Contains("dropped after", agent.Output, StringComparison.Ordinal);
        Assert.All(calls, c => Assert.False(c.IsCompleted));

        relay.Restore();

        int[] results = await Task.WhenAll(calls).Within("the calls dropped while their caller was cut off");
        Assert.Equal([10, 11], results);
        Assert.Equal(2, ((ClusterBackend)pool.Backend).Client.MessagesResent);
    }

    [Fact]
    public async Task RunAsync_CallerReconnectsWhileCallsWait_LooksThemUpAndSendsNoneAgain()
    {
        await using var relay = new TcpRelay(Server.Url);
        await using var pool = new WorkerPool(PoolOptionsThrough(relay, workers: 4));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        Task<int>[] calls = [.. Enumerable.Range(0, 2).Select(i => pool.RunAsync(n => n - 1, i))];
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);
        await StreamHoldsAsync(js, names, 2, "the two calls are stored");
        await Task.Delay(Confirmed);

        // A moment's cut: the calls are still in the stream, so the sweep after the reconnect finds them and sends
        // neither again (sent again, the stream would hold them twice).
        relay.Cut();
        relay.Restore();
        await Bounded.Eventually(() => client.MessagesLookedUp >= 2 || client.MessagesResent > 0, "the client has looked its waiting calls up after the reconnect");

        Assert.Equal(0, client.MessagesResent);
        Assert.Equal(2L, (await js.GetStreamAsync(names.Stream)).Info.State.Messages);
        await using AgentProcess agent = await StartAgentAsync("later");
        int[] results = await Task.WhenAll(calls).Within("the calls that waited through the cut");
        Assert.Equal([-1, 0], results);
    }

    [Fact]
    public async Task Agent_WithMaxDeliver_LeavesTheServersDeliveriesUnbounded()
    {
        // The agents end a message themselves after --max-deliver unanswered claims. A limit on the server as well
        // would leave a message whose last delivery was lost (its agent killed holding it, a drain handing it back)
        // stored but never delivered again: its call would wait in the stream for ever, and its client, finding the
        // message still there, would not send it again.
        await using AgentProcess agent = await StartAgentAsync("limited", 1, "--max-deliver", "2");
        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);

        INatsJSConsumer consumer = await js.GetConsumerAsync(names.Stream, names.Consumer);

        Assert.Equal(-1, consumer.Info.Config.MaxDeliver);
    }
}
