using NATS.Client.Core;
using NATS.Client.JetStream;
using Spindle.Cluster.Client;
using Spindle.Cluster.Nats;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>An agent that stops while the server may still hand its waiting pull request a call: the call goes back, not into the void.</summary>
public sealed class AgentStopRaceTests(NatsServer server) : ClusterTest(server)
{
    private const int SigTerm = 15;

    [Fact]
    public async Task Agent_StoppingWhileItsUnsubscribeIsHeldUp_PutsBackTheCallTheServerHandsIt()
    {
        // Everything the stopping agent sends is held up by the relay from the moment it is told to stop: its
        // unsubscribe reaches the server late, and the server hands its still-waiting pull request the next call.
        // Dropped there, that call would wait out the hour's AckWait before another agent got it.
        await using var relay = new TcpRelay(Server.Url);
        await using AgentProcess stopping = await AgentProcess.StartWithAsync("leaving",
            "--server", relay.Url, "--user", Server.User, "--password", Server.Password, "--cluster", Cluster, "--ack-wait", "3600", "--no-worker-lanes");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ((ClusterBackend)pool.Backend).Client.OfferNothingDirect();
        Assert.Equal("leaving", await pool.RunAsync(() => Environment.GetEnvironmentVariable("SPINDLE_AGENT")).Within("a first call"));

        await using NatsConnection admin = await AdminAsync();
        var js = new NatsJSContext(admin);
        var names = new ClusterNames(Cluster);
        await EventuallyAsync(async () => (await js.GetConsumerAsync(names.Stream, names.Consumer)).Info.NumWaiting > 0, "the agent's pull request to wait at the server");
        relay.Stall();
        stopping.Signal(SigTerm);
        await Bounded.Eventually(() => stopping.Output.Contains("takes no more calls", StringComparison.Ordinal), "the agent to stop pulling");
        Task<string?> next = pool.RunAsync(() => Environment.GetEnvironmentVariable("SPINDLE_AGENT"));
        await EventuallyAsync(async () => (await js.GetConsumerAsync(names.Stream, names.Consumer)).Info.NumAckPending > 0, "the server to hand the call to the stopping agent");
        relay.Restore();

        await using AgentProcess other = await StartAgentAsync("other", 1, "--ack-wait", "3600", "--no-worker-lanes");
        Assert.Equal("other", await next.Within("the call the stopping agent was handed"));
        Assert.Equal(0, await stopping.Exited.Within("the stopped agent's exit"));
    }

    /// <summary>Polls what the server says until <paramref name="condition"/> holds, failing after <see cref="Bounded.Unexpected"/>.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > Bounded.Unexpected)
            {
                throw new TimeoutException($"Timed out after {Bounded.Unexpected.TotalSeconds} s waiting for {what}.");
            }

            await Task.Delay(20);
        }
    }
}
