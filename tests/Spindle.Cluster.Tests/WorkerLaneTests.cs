using Spindle.Cluster.Client;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Lone short calls taken by an agent's worker itself, on its lane (Lanes/NatsLane.cs): the same results, crashes,
/// stops and drains as through the agent, with the agent answering for a worker that died running one.
/// </summary>
public sealed class WorkerLaneTests(NatsServer server) : ClusterTest(server)
{
    private const int SigTerm = 15;

    [Fact]
    public async Task RunAsync_OneShortCallAfterAnother_IsAnsweredByTheAgentsWorkerItself()
    {
        await using AgentProcess agent = await StartAgentAsync("lanes");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;

        // Until the worker's lane is open (its connection, made as the worker starts, can take a while on a loaded
        // machine), calls go to the agent itself; from then on the worker answers them.
        await WarmAsync(pool, client, agent);
        long onLanes = client.CallsOnLanes;
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(i * 3, await pool.RunAsync(x => x * 3, i).Within($"call {i}"));
        }

        Assert.True(client.CallsOnLanes - onLanes > 100, $"Only {client.CallsOnLanes - onLanes} of 200 one-after-another tiny calls were answered by the worker itself: {client.DirectState}\n{agent.Output}");
    }

    [Fact]
    public async Task RunAsync_AgentWithoutWorkerLanes_AnswersDirectCallsItself()
    {
        await using AgentProcess agent = await StartAgentAsync("no-lanes", 1, "--no-worker-lanes");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;

        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(i + 1, await pool.RunAsync(x => x + 1, i).Within($"call {i}"));
        }

        Assert.Equal(0, client.CallsOnLanes);
        Assert.True(client.CallsDirect > 50, $"Only {client.CallsDirect} of 100 calls went directly to the agent: {client.DirectState}");
    }

    [Fact]
    public async Task RunAsync_LaneCallWithAResultAboveTheServersMessageLimit_ArrivesWhole()
    {
        await using AgentProcess agent = await StartAgentAsync("lane-large");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        await WarmAsync(pool, client, agent);
        long onLanes = client.CallsOnLanes;

        // Above the test server's 1 MB max_payload: the worker puts it in the values bucket, as the agent would.
        byte[] result = await pool.RunAsync(n => Enumerable.Range(0, n).Select(i => (byte)(i * 7)).ToArray(), 3_000_000).Within("the large result");

        Assert.Equal(3_000_000, result.Length);
        Assert.True(result.Select((b, i) => b == (byte)(i * 7)).All(same => same), "The large result arrived changed.");
        Assert.True(client.CallsOnLanes > onLanes, $"The call did not go to the worker's lane: {client.DirectState}");
    }

    [Fact]
    public async Task RunAsync_WorkerDiesRunningALaneCall_FailsWithItsExitCodeNamingTheAgentAndRunsOnce()
    {
        await using AgentProcess agent = await StartAgentAsync("lane-crash");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        string marker = Marker();
        try
        {
            await WarmAsync(pool, client, agent);
            long onLanes = client.CallsOnLanes;
            var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(path =>
            {
                File.AppendAllText(path, "ran\n");
                Environment.Exit(42);
                return 0;
            }, marker).Within("the call that ends its worker"));

            // Answered for by the agent (which saw the exit status), in the offer's reply: not sent to the stream and
            // run again, as an offer nobody answered would be.
            Assert.Equal(42, crash.Exit.ExitCode);
            Assert.Equal("lane-crash", crash.Exit.Agent);
            Assert.True(client.CallsOnLanes > onLanes, $"The call did not go to the worker's lane: {client.DirectState}");
            Assert.Single(File.ReadAllLines(marker));
            Assert.Equal(7, await pool.RunAsync(() => 7).Within("the call after the crash"));
            Assert.Single(File.ReadAllLines(marker));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task RunAsync_LaneCallRunningPastItsReplyWindow_IsKeptAliveAndAnswered()
    {
        await using AgentProcess agent = await StartAgentAsync("lane-long");

        // Signs of life every 250 ms: without them from the worker, the call, three times as long as the silence the
        // pool allows, would fail as its agent gone silent. (A 400 ms silence failed on a loaded run: a worker's
        // sign of life came late.)
        await using var pool = new WorkerPool(PoolOptions(workers: 1, silence: TimeSpan.FromSeconds(1)));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        await WarmAsync(pool, client, agent);
        long onLanes = client.CallsOnLanes;

        int result = await pool.RunAsync(() =>
        {
            Thread.Sleep(3000);
            return 42;
        }).Within("the long call");

        Assert.Equal(42, result);
        Assert.True(client.CallsOnLanes > onLanes, $"The call did not go to the worker's lane: {client.DirectState}");
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("the call after the long one"));
    }

    [Fact]
    public async Task RunAsync_LaneCallCancelled_IsCancelledInTheWorker()
    {
        await using AgentProcess agent = await StartAgentAsync("lane-cancel");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        string marker = Marker();
        try
        {
            await WarmAsync(pool, client, agent);
            long onLanes = client.CallsOnLanes;
            using var cancellation = new CancellationTokenSource();
            Task<int> running = pool.RunAsync((path, token) =>
            {
                File.WriteAllText(path, "started\n");
                bool cancelled = token.WaitHandle.WaitOne(TimeSpan.FromMinutes(5));
                File.AppendAllText(path, cancelled ? "cancelled\n" : "not cancelled\n");
                token.ThrowIfCancellationRequested();
                return 1;
            }, marker, cancellation.Token);
            await Bounded.Eventually(() => File.Exists(marker) || running.IsCompleted, "the call to start");
            await cancellation.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Within("the cancelled call"));
            await Bounded.Eventually(() => File.ReadAllText(marker).Contains("cancelled\n", StringComparison.Ordinal), "the call to see its cancellation in the worker");
            await Bounded.Eventually(() => client.CallsOnLanes > onLanes, $"the offer to be answered by the worker's lane ({client.DirectState})");
            Assert.Equal(2, await pool.RunAsync(() => 2).Within("the call after the cancelled one"));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task RunAsync_LaneCallIgnoringItsCancellation_ItsWorkerEndsAfterTheGracePeriod()
    {
        await using AgentProcess agent = await StartAgentAsync("lane-grace", 1, "--grace", "0");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        string marker = Marker();
        try
        {
            await WarmAsync(pool, client, agent);
            long onLanes = client.CallsOnLanes;
            using var cancellation = new CancellationTokenSource();
            Task<int> running = pool.RunAsync((path, token) =>
            {
                File.WriteAllText(path, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Thread.Sleep(TimeSpan.FromMinutes(5));
                return 1;
            }, marker, cancellation.Token);
            await Bounded.Eventually(() => File.Exists(marker) && File.ReadAllText(marker).Length > 0, "the call to start");
            int worker = int.Parse(File.ReadAllText(marker), System.Globalization.CultureInfo.InvariantCulture);
            await cancellation.CancelAsync();

            // As for a call the agent relays: cancelled here, or ended by the agent's kill ("stopped by its caller"),
            // whichever comes first of the two grace periods.
            Exception stopped = await Assert.ThrowsAnyAsync<Exception>(() => running.Within("the cancelled call"));
            Assert.True(stopped is OperationCanceledException || stopped.Message.Contains("stopped by its caller", StringComparison.Ordinal), stopped.ToString());
            await Bounded.Eventually(() => client.CallsOnLanes > onLanes, $"the offer to be answered for the worker's lane ({client.DirectState})");
            await Bounded.Eventually(() => !Directory.Exists($"/proc/{worker}"), $"worker {worker} to end after the grace period");
            Assert.Equal(3, await pool.RunAsync(() => 3).Within("the call after the stopped one"));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task Agent_TerminatedWhileALaneCallRuns_LetsItEndAndBeAnsweredThenExitsZero()
    {
        AgentProcess agent = await StartAgentAsync("lane-drain");
        await using (agent)
        {
            await using var pool = new WorkerPool(PoolOptions(workers: 1));
            ClusterClient client = ((ClusterBackend)pool.Backend).Client;
            string marker = Marker();
            try
            {
                await WarmAsync(pool, client, agent);
                long onLanes = client.CallsOnLanes;
                Task<int> running = pool.RunAsync(path =>
                {
                    File.WriteAllText(path, "started");
                    Thread.Sleep(1500);
                    return 42;
                }, marker);
                await Bounded.Eventually(() => File.Exists(marker) || running.IsCompleted, "the call to start");
                agent.Signal(SigTerm);

                Assert.Equal(42, await running.Within("the call running as its agent drains"));
                Assert.True(client.CallsOnLanes > onLanes, $"The call did not go to the worker's lane: {client.DirectState}");
                Assert.Equal(0, await agent.Exited.Within("the agent's exit"));
                Assert.Contains("finishing", agent.Output, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(marker);
            }
        }
    }

    /// <summary>Short calls one after another until three have been answered by the agent's worker on its lane.</summary>
    private static async Task WarmAsync(WorkerPool pool, ClusterClient client, AgentProcess agent)
    {
        long before = client.CallsOnLanes;
        for (int i = 0; client.CallsOnLanes < before + 3; i++)
        {
            Assert.Equal(i, await pool.RunAsync(x => x, i).Within("a warming call"));
            Assert.True(i < 1000, $"No call went to the agent's worker in 1,000 one-after-another tiny calls: {client.DirectState}\n{agent.Output}");
        }
    }
}
