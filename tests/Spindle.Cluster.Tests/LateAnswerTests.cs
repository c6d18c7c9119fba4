using Spindle.Cluster.Client;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>A result reaches its caller at most once, even when the call ran twice.</summary>
public sealed class LateAnswerTests(NatsServer server) : ClusterTest(server)
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    [Fact]
    public async Task RunAsync_CallTimesOutWhileItsAgentIsCutOff_TheAgentsNextSignOfLifeGetsAStop()
    {
        // The caller's stop goes out while the agent is cut off from the server, and core NATS keeps nothing for it:
        // the agent comes back still running the call, and its next sign of life is answered with a stop.
        await using var relay = new TcpRelay(Server.Url);
        await using AgentProcess agent = await AgentProcess.StartWithAsync("cut-off",
            "--server", relay.Url, "--user", Server.User, "--password", Server.Password, "--cluster", Cluster);
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        Assert.Equal(0, await pool.RunAsync(() => 0).Within("a first call (the build fetched, the worker started)"));
        string marker = Marker();

        Task<int> call = pool.RunAsync(token =>
        {
            File.WriteAllText(marker, "started");
            token.WaitHandle.WaitOne(TimeSpan.FromMinutes(5));
            token.ThrowIfCancellationRequested();
            return 1;
        }, new CallOptions { Timeout = TimeSpan.FromSeconds(3) });
        await Bounded.Eventually(() => File.Exists(marker) || call.IsCompleted, "the call to start on the agent");
        Assert.False(call.IsCompleted, $"The call ended before its agent was cut off: {call.Exception?.InnerException}");
        relay.Cut();
        await Assert.ThrowsAsync<CallTimeoutException>(() => call.Within("the call timing out while its agent is cut off"));
        Assert.DoesNotContain("stopped by its caller", agent.Output, StringComparison.Ordinal);

        relay.Restore();
        await Bounded.Eventually(() => agent.Output.Contains("stopped by its caller", StringComparison.Ordinal),
            "the agent, back, to be told to stop the call");
        File.Delete(marker);
    }

    [Fact]
    public async Task RunAsync_AgentPausedPastTheSilenceTimeout_RetriedElsewhereAndItsLateResultIgnored()
    {
        await using AgentProcess first = await StartAgentAsync("sleepy");
        await using AgentProcess second = await StartAgentAsync("awake");
        AgentProcess[] agents = [first, second];
        await using var pool = new WorkerPool(PoolOptions(silence: TimeSpan.FromSeconds(3)));
        var client = ((ClusterBackend)pool.Backend).Client;
        string marker = Marker();

        // The first run records its agent and works a while; the retry finds the record and answers at once.
        Task<string> running = pool.RunAsync(() =>
        {
            string here = Environment.GetEnvironmentVariable("SPINDLE_AGENT") ?? "?";
            if (File.Exists(marker))
            {
                return "retry on " + here;
            }

            File.WriteAllText(marker, here);
            Thread.Sleep(TimeSpan.FromSeconds(4));
            return "first run on " + here;
        }, new CallOptions { RetriesOnCrash = 1 });
        await Bounded.Eventually(() => (File.Exists(marker) && File.ReadAllText(marker).Length > 0) || running.IsCompleted, "the first run has started");
        Assert.False(running.IsCompleted, $"The call ended before the agent was paused: {running.Exception?.InnerException}");
        AgentProcess paused = agents.Single(a => a.Name == File.ReadAllText(marker));
        AgentProcess other = agents.Single(a => a != paused);
        paused.Signal(SigStop);
        try
        {
            Assert.Equal("retry on " + other.Name, await running.Within("the call retried after its agent went silent"));
        }
        finally
        {
            paused.Signal(SigCont);
        }

        // The paused agent wakes, finishes the first run and answers: nobody is waiting for that answer any more.
        await Bounded.Eventually(() => client.IgnoredAnswers >= 1, "the paused agent's late result has arrived and been ignored");
        Assert.Equal("retry on " + other.Name, await running);
        Assert.Equal(9, await pool.RunAsync(() => 9).Within("a call after the late result"));
        File.Delete(marker);
    }
}
