using NATS.Client.Core;
using NATS.Client.JetStream;
using Spindle.Cluster.Agent;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// How calls reach the stream and agents take them: published without waiting for the server's ack, sent again with
/// the wait when no agent has spoken of them soon (the same message id, so stored once), taken one pull at a time.
/// </summary>
public sealed class PublishTests(NatsServer server) : ClusterTest(server)
{
    [Fact]
    public async Task RunAsync_WaitingInTheStreamPastItsConfirmation_IsStoredOnceAndRunsOnce()
    {
        string marker = Marker();
        await using var pool = new WorkerPool(PoolOptions());
        Task<int> waiting = pool.RunAsync(() =>
        {
            File.AppendAllText(marker, "ran\n");
            return 5;
        });
        await Bounded.Eventually(() => StoredCallsAsync().Result == 1, "the call is stored in the stream");

        // No agent speaks of it: the client sends it again with a wait for the server's ack (after 100 ms). Given a
        // second, a resend stored as a new message would be here by now.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await StoredCallsAsync());

        await using AgentProcess agent = await StartAgentAsync("confirmed");
        Assert.Equal(5, await waiting.Within("the waiting call once an agent is there"));
        Assert.Equal(["ran"], File.ReadAllLines(marker));
        await Bounded.Eventually(() => StoredCallsAsync().Result == 0, "the call has left the stream");
        File.Delete(marker);
    }

    [Fact]
    public async Task RunAsync_ManyCallsThroughOneWorker_EachRunsOnceWithNoCallHeldTwice()
    {
        // One pull at a time for one worker: 300 calls, each answered once, and nothing left in the stream.
        await using AgentProcess agent = await StartAgentAsync("puller");
        await using var pool = new WorkerPool(PoolOptions(workers: 8));

        int[] results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => pool.RunAsync(x => x * 3, i))).Within("300 calls through one worker");

        Assert.Equal(Enumerable.Range(0, 300).Select(i => i * 3), results);
        await Bounded.Eventually(() => StoredCallsAsync().Result == 0, "every call has left the stream");
    }

    [Theory]
    [InlineData("$JS.ACK.SPINDLE_x_CALLS.agents.1.17.9.1796547053990128866.0", 1)]
    [InlineData("$JS.ACK.SPINDLE_x_CALLS.agents.3.17.9.1796547053990128866.4", 3)]
    [InlineData("$JS.ACK.hub.ACCHASH.SPINDLE_x_CALLS.agents.2.17.9.1796547053990128866.0.token", 2)]
    public void DeliveriesIn_AckSubjectOfEitherServerFormat_ReadsTheDeliveryCount(string subject, long expected) =>
        Assert.Equal(expected, CallDelivery.DeliveriesIn(subject));

    [Theory]
    [InlineData("spindle.x.calls")]
    [InlineData("$JS.ACK.SPINDLE_x_CALLS.agents.one.17.9.1796547053990128866.0")]
    [InlineData("$JS.ACK.too.short")]
    public void DeliveriesIn_NotAnAckSubject_FailsNamingIt(string subject)
    {
        var error = Assert.Throws<FormatException>(() => CallDelivery.DeliveriesIn(subject));
        Assert.Contains(subject, error.Message, StringComparison.Ordinal);
    }

    private async Task<long> StoredCallsAsync()
    {
        await using var nats = new NatsConnection(NatsOpts.Default with
        {
            Url = Server.Url,
            AuthOpts = NatsAuthOpts.Default with { Username = Server.User, Password = Server.Password },
        });
        INatsJSStream stream = await new NatsJSContext(nats).GetStreamAsync($"SPINDLE_{Cluster}_CALLS");
        return (long)stream.Info.State.Messages;
    }
}
