using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>Calls through one real agent: results, user exceptions, cancellation and timeouts, as with local worker processes.</summary>
public sealed class RoundTripTests(NatsServer server) : ClusterTest(server)
{
    [Fact]
    public async Task RunAsync_ThroughOneAgent_RunsInAWorkerOfThatAgent()
    {
        await using AgentProcess agent = await StartAgentAsync("solo");
        await using var pool = new WorkerPool(PoolOptions());
        int x = 20;

        (int value, string? where, int pid) = await pool.RunAsync(() => (x + 22, Environment.GetEnvironmentVariable("SPINDLE_AGENT"), Environment.ProcessId))
            .Within("a call through the agent");

        Assert.Equal(42, value);
        Assert.Equal("solo", where);
        Assert.NotEqual(Environment.ProcessId, pid);
        Assert.NotEqual(agent.ProcessId, pid);
        Assert.Equal(7, await pool.RunAsync(a => a + 1, 6).Within("a second call"));
    }

    [Fact]
    public async Task RunAsync_UserException_IsRemoteExceptionWithTypeAndMessage()
    {
        await using AgentProcess agent = await StartAgentAsync("thrower");
        await using var pool = new WorkerPool(PoolOptions());

        var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(() => Fail("bad frame 7")).Within("a failing call"));

        Assert.Equal(typeof(FormatException).FullName, error.RemoteType);
        Assert.Contains("bad frame 7", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileRunning_StopsTheCallOnTheAgent()
    {
        await using AgentProcess agent = await StartAgentAsync("canceller");
        await using var pool = new WorkerPool(PoolOptions());
        string marker = Marker();
        using var cancellation = new CancellationTokenSource();

        Task<int> running = pool.RunAsync(token =>
        {
            File.WriteAllText(marker, "started");
            token.WaitHandle.WaitOne();
            token.ThrowIfCancellationRequested();
            return 1;
        }, cancellation.Token);
        await Bounded.Eventually(() => File.Exists(marker) || running.IsCompleted, "the call has started on the agent");
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Within("the cancelled call"));
        // The agent has one worker: the next call runs only if the cancelled one stopped there.
        Assert.Equal(2, await pool.RunAsync(() => 2).Within("the call after the cancelled one"));
        Assert.Contains("stopped by its caller", agent.Output, StringComparison.Ordinal);
        File.Delete(marker);
    }

    [Fact]
    public async Task RunAsync_CancelledWhileNoAgentHasIt_EndsCancelledAtOnceAndNeverRuns()
    {
        // No agent yet: the call waits in the stream. A grace period far beyond the bound shows the cancellation did not wait for it.
        var options = PoolOptions();
        options.CancellationGracePeriod = TimeSpan.FromMinutes(5);
        await using var pool = new WorkerPool(options);
        string marker = Marker();
        using var cancellation = new CancellationTokenSource();
        Task queued = pool.RunAsync(() => File.WriteAllText(marker, "ran"), cancellation.Token);

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.Within("the cancelled call", Bounded.Prompt));

        // An agent arriving later takes the call from the stream, is refused it, and runs the next one only.
        await using AgentProcess agent = await StartAgentAsync("latecomer");
        Assert.Equal(4, await pool.RunAsync(() => 4).Within("a call once an agent is there"));
        Assert.False(File.Exists(marker), "The cancelled call ran.");
    }

    [Fact]
    public async Task RunAsync_PastItsTimeout_FailsWithCallTimeoutException()
    {
        // A grace period far beyond the bound: the next call runs in time only if the timed-out call's worker was killed at once.
        await using AgentProcess agent = await StartAgentAsync("slow", 1, "--grace", "3600");
        await using var pool = new WorkerPool(PoolOptions());

        var timedOut = await Assert.ThrowsAsync<CallTimeoutException>(() =>
            pool.RunAsync(() => Thread.Sleep(Timeout.Infinite), new CallOptions { Timeout = TimeSpan.FromSeconds(2) }).Within("a call past its timeout"));

        Assert.Equal(3, await pool.RunAsync(() => 3).Within("the call after the timed-out one"));
        Assert.Contains("its worker killed", agent.Output, StringComparison.Ordinal);
        Assert.Contains("killed and replaced", timedOut.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_PastItsTimeoutWhileNoAgentHasIt_SaysItNeverStartedAndNeverRuns()
    {
        // No agent yet: the call waits in the stream until its timeout, which counts from when it was sent.
        await using var pool = new WorkerPool(PoolOptions());
        string marker = Marker();

        var timedOut = await Assert.ThrowsAsync<CallTimeoutException>(() =>
            pool.RunAsync(() => File.WriteAllText(marker, "ran"), new CallOptions { Timeout = TimeSpan.FromSeconds(2) }).Within("a call no agent took"));

        Assert.DoesNotContain("killed", timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("had not started", timedOut.Message, StringComparison.Ordinal);
        Assert.Contains("no agent claimed it", timedOut.Message, StringComparison.Ordinal);

        // An agent arriving later is refused it, and runs the next call only.
        await using AgentProcess agent = await StartAgentAsync("latecomer");
        Assert.Equal(4, await pool.RunAsync(() => 4).Within("a call once an agent is there"));
        Assert.False(File.Exists(marker), "The timed-out call ran.");
    }

    [Fact]
    public async Task MapAsync_ThroughOneAgent_ReturnsEveryResultInOrder()
    {
        await using AgentProcess agent = await StartAgentAsync("mapper", workers: 2);
        await using var pool = new WorkerPool(PoolOptions());

        int[] squares = await pool.MapAsync(i => i * i, Enumerable.Range(0, 500)).ToArrayAsync().AsTask().Within("a map through the agent");

        Assert.Equal(Enumerable.Range(0, 500).Select(i => i * i), squares);
    }

    private static int Fail(string message) => throw new FormatException(message);
}
