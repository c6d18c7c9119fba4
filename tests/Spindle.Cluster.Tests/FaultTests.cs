using Spindle.Cluster.Client;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>Agents that die mid-call, and pools that cannot reach the server: real kills, real refusals.</summary>
public sealed class FaultTests(NatsServer server) : ClusterTest(server)
{
    private const int SigKill = 9;
    private const int SigTerm = 15;

    private static readonly TimeSpan Silence = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task RunAsync_AgentKilledMidCall_FailsWithWorkerCrashedExceptionNamingTheAgent()
    {
        await using AgentProcess agent = await StartAgentAsync("doomed");
        await using var pool = new WorkerPool(PoolOptions(silence: Silence));
        string marker = Marker();

        Task<int> running = pool.RunAsync(() =>
        {
            File.WriteAllText(marker, "started");
            Thread.Sleep(TimeSpan.FromMinutes(5));
            return 1;
        });
        await Bounded.Eventually(() => File.Exists(marker) || running.IsCompleted, "the call has started on the agent");
        agent.Signal(SigKill);

        var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => running.Within("the call whose agent was killed"));
        Assert.Equal("doomed", crash.Exit.Agent);
        Assert.Contains("Agent 'doomed'", crash.Message, StringComparison.Ordinal);
        Assert.Contains("AgentSilenceTimeout", crash.Message, StringComparison.Ordinal);
        File.Delete(marker);
    }

    [Fact]
    public async Task RunAsync_AgentKilledMidCallWithRetries_RunsAgainOnTheOtherAgent()
    {
        await using AgentProcess first = await StartAgentAsync("left");
        await using AgentProcess second = await StartAgentAsync("right");
        AgentProcess[] agents = [first, second];
        await using var pool = new WorkerPool(PoolOptions(silence: Silence));
        string marker = Marker();

        // The first run records where it runs and hangs there; the retry finds the record and returns at once.
        Task<string?> running = pool.RunAsync(() =>
        {
            string? here = Environment.GetEnvironmentVariable("SPINDLE_AGENT");
            if (File.Exists(marker))
            {
                return here;
            }

            File.WriteAllText(marker, here);
            Thread.Sleep(TimeSpan.FromMinutes(5));
            return "never";
        }, new CallOptions { RetriesOnCrash = 1 });
        await Bounded.Eventually(() => (File.Exists(marker) && File.ReadAllText(marker).Length > 0) || running.IsCompleted, "the first run has started");
        Assert.False(running.IsCompleted, $"The call ended before it was interrupted: {running.Exception?.InnerException}");
        string firstRan = File.ReadAllText(marker);
        AgentProcess killed = agents.Single(a => a.Name == firstRan);
        killed.Signal(SigKill);

        string? retriedOn = await running.Within("the retried call");

        Assert.Equal(agents.Single(a => a != killed).Name, retriedOn);
        File.Delete(marker);
    }

    [Fact]
    public async Task RunAsync_AgentKilledHoldingThreeCalls_CountsOnceAgainstMaxRestarts()
    {
        await using AgentProcess doomed = await StartAgentAsync("doomed-3", workers: 3);
        var options = PoolOptions(workers: 4, silence: Silence);
        options.MaxRestarts = 1;
        await using var pool = new WorkerPool(options);
        string markers = Marker();
        Directory.CreateDirectory(markers);

        // Three calls running on one agent when it dies: one machine lost, so one restart, and MaxRestarts 1 holds.
        Task<int>[] running = [.. Enumerable.Range(0, 3).Select(i => pool.RunAsync(n =>
        {
            File.WriteAllText(Path.Combine(markers, n.ToString(System.Globalization.CultureInfo.InvariantCulture)), "started");
            Thread.Sleep(TimeSpan.FromMinutes(5));
            return n;
        }, i))];
        await Bounded.Eventually(() => Directory.GetFiles(markers).Length == 3 || running.Any(r => r.IsCompleted), "the three calls have started on the agent");
        doomed.Signal(SigKill);

        foreach (Task<int> call in running)
        {
            var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => call.Within("a call whose agent was killed"));
            Assert.Equal("doomed-3", crash.Exit.Agent);
        }

        await using AgentProcess other = await StartAgentAsync("after-3");
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the agent was lost: the pool is not faulted"));
        Directory.Delete(markers, recursive: true);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Agent_CallsStreamOrConsumerDeletedWhileItRuns_PutsThemBackAndTakesCallsAgain(bool wholeStream)
    {
        await using AgentProcess agent = await StartAgentAsync("keeper");
        await using var pool = new WorkerPool(PoolOptions());
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call before the deletion"));

        // An operator deletes what the agent pulls from (`nats consumer rm`, `nats stream rm`).
        await using (var nats = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with
        {
            Url = Server.Url,
            AuthOpts = NATS.Client.Core.NatsAuthOpts.Default with { Username = Server.User, Password = Server.Password },
        }))
        {
            var js = new NATS.Client.JetStream.NatsJSContext(nats);
            var names = new Spindle.Cluster.Nats.ClusterNames(Cluster);
            _ = wholeStream
                ? await js.DeleteStreamAsync(names.Stream)
                : await js.DeleteConsumerAsync(names.Stream, names.Consumer);
        }

        try
        {
            Assert.Equal(2, await pool.RunAsync(() => 2).Within("a call after the deletion"));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} {((Spindle.Cluster.Client.ClusterBackend)pool.Backend).Client.DirectState}\n--- agent ---\n{agent.Output}", e);
        }

        Assert.Contains("put back if they were gone", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewWorkerPool_ConnectionCutWhileItUploadsItsBuild_CallsRunOnceItIsBack()
    {
        await using var relay = new TcpRelay(Server.Url);
        await using var pool = new WorkerPool(PoolOptionsThrough(relay, workers: 2));

        // The pool uploads its build in the background from its creation on (the archive of this test's output takes
        // far longer than this): the connection goes under it, for longer than a request waits.
        relay.Cut();
        Task<int> call = pool.RunAsync(() => 11);
        await Task.Delay(TimeSpan.FromSeconds(6));
        relay.Restore();

        await using AgentProcess agent = await StartAgentAsync("after-cut");
        Assert.Equal(11, await call.Within("a call sent once the build's upload went through"));
    }

    [Fact]
    public async Task TerminateAsync_ServerStopsReadingWhileCallsAreBeingSent_EndsWithoutThrowingAndFailsTheCalls()
    {
        // A hung server or a stalled link: the pool's writes back up in its socket, and the connection's end waits on a
        // write that cannot finish. The pool's end must still end, without throwing the connection's timeout at its caller.
        await using var relay = new TcpRelay(Server.Url);
        await using AgentProcess agent = await StartAgentAsync("behind-a-stall");
        var pool = new WorkerPool(PoolOptionsThrough(relay, workers: 64));
        Assert.Equal(1, await pool.RunAsync(static () => 1).Within("a call once the pool's build is uploaded"));
        relay.Stall();
        // 16 MiB of calls at once, more than the sockets on the way hold.
        byte[] argument = new byte[256 * 1024];
        Task<int>[] calls = Enumerable.Range(0, 64).Select(_ => pool.RunAsync(static a => a.Length, argument)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1));

        await pool.TerminateAsync().Within("the pool's end over a stalled connection", TimeSpan.FromSeconds(60));

        foreach (Task<int> call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within("a call the terminated pool was sending"));
        }
    }

    [Fact]
    public async Task RunAsync_WorkerProcessCrashesOnTheAgent_FailsWithItsExitNamingTheAgent()
    {
        await using AgentProcess agent = await StartAgentAsync("host");
        await using var pool = new WorkerPool(PoolOptions());

        var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => Environment.Exit(37)).Within("a call that exits its worker"));

        Assert.Equal("host", crash.Exit.Agent);
        Assert.Equal(37, crash.ExitCode);
        Assert.Contains("on agent 'host'", crash.Message, StringComparison.Ordinal);
        // The agent stays: its local pool replaced the worker.
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("the call after the crash"));
    }

    [Fact]
    public async Task Agent_Sigterm_FinishesTheCallItHoldsAndExitsZero()
    {
        AgentProcess agent = await StartAgentAsync("drainer");
        await using (agent)
        {
            await using var pool = new WorkerPool(PoolOptions());
            string marker = Marker();
            Task<int> running = pool.RunAsync(() =>
            {
                File.WriteAllText(marker, "started");
                Thread.Sleep(TimeSpan.FromSeconds(2));
                return 11;
            });
            await Bounded.Eventually(() => File.Exists(marker) || running.IsCompleted, "the call has started on the agent");

            agent.Signal(SigTerm);

            Assert.Equal(11, await running.Within("the call the agent held when told to stop"));
            Assert.Equal(0, await agent.Exited.Within("the agent to exit"));
            Assert.Contains("stopped.", agent.Output, StringComparison.Ordinal);
            File.Delete(marker);
        }
    }

    [Fact]
    public void NewWorkerPool_WrongPassword_FailsNamingTheServerAndTheOption()
    {
        ClusterOptions cluster = ClusterOptions();
        cluster.Password = "not-the-password";

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(cluster)));

        Assert.Contains(Server.Url, error.Message, StringComparison.Ordinal);
        Assert.Contains("ClusterOptions.User", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewWorkerPool_ConnectTimeoutBelowFiveSeconds_RequestsOnceConnectedStillWaitFiveSeconds()
    {
        // A user who wants a wrong address to fail fast: the server's answers later (a stored call's ack under load)
        // must not be given up on after those 2 s.
        ClusterOptions cluster = ClusterOptions();
        cluster.ConnectTimeout = TimeSpan.FromSeconds(2);
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 1 }.UseCluster(cluster));
        Assert.Equal(TimeSpan.FromSeconds(5), ((ClusterBackend)pool.Backend).Client.RequestTimeout);

        ClusterOptions slowLink = ClusterOptions();
        slowLink.ConnectTimeout = TimeSpan.FromSeconds(20);
        await using var patient = new WorkerPool(new WorkerPoolOptions { Workers = 1 }.UseCluster(slowLink));
        Assert.Equal(TimeSpan.FromSeconds(20), ((ClusterBackend)patient.Backend).Client.RequestTimeout);
    }

    [Fact]
    public void NewWorkerPool_NoServerListening_FailsNamingTheServerOption()
    {
        ClusterOptions cluster = ClusterOptions();
        cluster.Server = $"nats://127.0.0.1:{FreePort()}";
        cluster.ConnectTimeout = TimeSpan.FromSeconds(2);

        var error = Assert.Throws<SpindleException>(() => new WorkerPool(new WorkerPoolOptions().UseCluster(cluster)));

        Assert.Contains(cluster.Server, error.Message, StringComparison.Ordinal);
        Assert.Contains("ClusterOptions.Server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NewWorkerPool_SerializerFactory_IsRefusedNamingIt()
    {
        var options = new WorkerPoolOptions { SerializerFactory = () => new Spindle.Calls.Serialization.JsonCallSerializer() }.UseCluster(ClusterOptions());

        var error = Assert.Throws<ArgumentException>(() => new WorkerPool(options));

        Assert.Contains("SerializerFactory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NewWorkerPool_ThreadIsolationSetAfterUseCluster_IsRefusedNamingIt()
    {
        // The calls would have run on the cluster in other processes, the Thread setting ignored.
        var options = new WorkerPoolOptions().UseCluster(ClusterOptions());
        options.Isolation = Isolation.Thread;

        var error = await Assert.ThrowsAsync<ArgumentException>(async () =>
        {
            // Disposed if it is created after all (the check missing), so it does not outlive the test.
            await using var pool = new WorkerPool(options);
        });

        Assert.Contains("WorkerPoolOptions.Isolation is Thread", error.Message, StringComparison.Ordinal);
        Assert.Contains("UseCluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseCluster_WithoutServer_FailsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => new WorkerPoolOptions().UseCluster(new ClusterOptions()));

        Assert.Equal("Server", error.ParamName);
    }

    [Fact]
    public async Task Agent_WrongPassword_ExitsOneNamingTheOption()
    {
        (int code, string output) = await AgentProcess.RunToFailureAsync(
            "--server", Server.Url, "--user", Server.User, "--password", "wrong", "--cluster", Cluster);

        Assert.Equal(1, code);
        Assert.Contains("--user", output, StringComparison.Ordinal);
        Assert.Contains(Server.Url, output, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
