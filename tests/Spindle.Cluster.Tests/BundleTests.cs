using Spindle.Cluster.Client;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Tiny calls that travel together in one message (Nats/Bundle.cs): each still has its own result, cancellation,
/// crash and retry, on real agents.
/// </summary>
public sealed class BundleTests(NatsServer server) : ClusterTest(server)
{
    private const int SigKill = 9;

    [Fact]
    public async Task RunAsync_ManyTinyCallsInFlight_TravelInBundlesAndEachResultReachesItsCaller()
    {
        await using AgentProcess first = await StartAgentAsync("one");
        await using AgentProcess second = await StartAgentAsync("two");
        await using var pool = new WorkerPool(PoolOptions(workers: 64));
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;

        int[] results = await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => pool.RunAsync(n => n * 7, i))).Within("3,000 tiny calls");

        Assert.Equal(Enumerable.Range(0, 3000).Select(i => i * 7), results);
        Assert.True(client.CallsBundled > 0, "No call travelled in a bundle, though thousands of tiny calls waited for two agents.");

        // A lone call waits for nobody: it goes at once, alone.
        long bundled = client.CallsBundled;
        Assert.Equal(8, await pool.RunAsync(() => 8).Within("a lone call"));
        Assert.Equal(bundled, client.CallsBundled);
    }

    [Fact]
    public async Task CancelAsync_OfACallInABundle_StopsItWhileTheOthersComplete()
    {
        await using AgentProcess agent = await StartAgentAsync("host", workers: 2);
        await using var pool = new WorkerPool(PoolOptions(workers: 4));
        ClusterClient client = await BundlingAlwaysAsync(pool);
        string marker = Marker();
        using var cancel = new CancellationTokenSource();

        Task<int> blocked = pool.RunAsync(token =>
        {
            File.WriteAllText(marker, "started");
            token.WaitHandle.WaitOne();
            token.ThrowIfCancellationRequested();
            return -1;
        }, cancel.Token);
        Task<int>[] others = [.. Enumerable.Range(0, 3).Select(i => pool.RunAsync(n => n + 100, i))];
        await Bounded.Eventually(() => File.Exists(marker) || blocked.IsCompleted, "the blocking call has started on the agent");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.Within("the cancelled call"));
        int[] theOthers = await Task.WhenAll(others).Within("the calls that travelled with it");
        Assert.Equal(new[] { 100, 101, 102 }, theOthers);
        Assert.True(client.CallsBundled >= 2, $"Only {client.CallsBundled} calls travelled in bundles.");
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the cancellation"));
        Assert.Contains("stopped by its caller", agent.Output, StringComparison.Ordinal);
        File.Delete(marker);
    }

    [Fact]
    public async Task CancelAsync_WhileItsBundleWaitsInTheStream_TheCallNeverRuns()
    {
        const int SigStop = 19;
        const int SigCont = 18;
        await using AgentProcess agent = await StartAgentAsync("host");
        await using var pool = new WorkerPool(PoolOptions(workers: 4));

        // The agent has heard from this client (the first call): a lone call's first delivery would run at once.
        ClusterClient client = await BundlingAlwaysAsync(pool);
        string ranCancelled = Marker();
        string ranOther = Marker();
        using var cancel = new CancellationTokenSource();

        agent.Signal(SigStop);
        try
        {
            Task<int> cancelled = pool.RunAsync(token =>
            {
                File.WriteAllText(ranCancelled, "ran");
                return 1;
            }, cancel.Token);
            Task<int> other = pool.RunAsync(() =>
            {
                File.WriteAllText(ranOther, "ran");
                return 2;
            });
            await Bounded.Eventually(() => client.CallsBundled >= 2, "the two calls to travel in one bundle");
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.Within("the call cancelled while its bundle waited"));
            agent.Signal(SigCont);

            Assert.Equal(2, await other.Within("the call that travelled with it"));
        }
        finally
        {
            agent.Signal(SigCont);
        }

        Assert.True(File.Exists(ranOther));
        Assert.False(File.Exists(ranCancelled), "The call cancelled before any agent took it ran all the same.");
        File.Delete(ranOther);
    }

    [Fact]
    public async Task RunAsync_OneCallOfABundleRunsLong_TheOthersResultsDoNotWaitForIt()
    {
        await using AgentProcess agent = await StartAgentAsync("host", workers: 2);
        await using var pool = new WorkerPool(PoolOptions(workers: 4));
        ClusterClient client = await BundlingAlwaysAsync(pool);
        string release = Marker();

        Task<int> slow = pool.RunAsync(() =>
        {
            while (!File.Exists(release))
            {
                Thread.Sleep(10);
            }

            return 1;
        });
        Task<int> quick = pool.RunAsync(() => 2);

        Assert.Equal(2, await quick.Within("the quick call, while the slow one it travelled with still runs"));
        Assert.False(slow.IsCompleted, "The slow call ended before it was released.");
        Assert.True(client.CallsBundled >= 2, $"Only {client.CallsBundled} calls travelled in bundles.");
        File.WriteAllText(release, "go");
        Assert.Equal(1, await slow.Within("the slow call, released"));
        File.Delete(release);
    }

    [Fact]
    public async Task RunAsync_ACallInABundleExitsItsWorker_OnlyThatCallCrashes()
    {
        await using AgentProcess agent = await StartAgentAsync("host");
        await using var pool = new WorkerPool(PoolOptions(workers: 4));
        ClusterClient client = await BundlingAlwaysAsync(pool);

        Task crashing = pool.RunAsync(() => Environment.Exit(37));
        Task<int> fine = pool.RunAsync(() => 5);

        var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => crashing.Within("the call that exits its worker"));
        Assert.Equal(37, crash.ExitCode);
        Assert.Equal("host", crash.Exit.Agent);
        Assert.Equal(5, await fine.Within("the call that travelled with it"));
        Assert.True(client.CallsBundled >= 2, $"Only {client.CallsBundled} calls travelled in bundles.");
    }

    [Fact]
    public async Task RunAsync_AgentKilledWhileItRunsABundle_ItsCallsRunAgainOnTheOtherAgent()
    {
        await using AgentProcess left = await StartAgentAsync("left");
        await using AgentProcess right = await StartAgentAsync("right");
        AgentProcess[] agents = [left, right];
        await using var pool = new WorkerPool(PoolOptions(workers: 4, silence: TimeSpan.FromSeconds(3)));
        ClusterClient client = await BundlingAlwaysAsync(pool);
        string markers = Marker();
        Directory.CreateDirectory(markers);

        // A call's first run records its agent and works for 2 s; a retry finds the record and answers at once.
        Task<string>[] calls = [.. Enumerable.Range(0, 4).Select(i => pool.RunAsync(n =>
        {
            string here = Environment.GetEnvironmentVariable("SPINDLE_AGENT") ?? "?";
            string mine = Path.Combine(markers, n.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (File.Exists(mine))
            {
                return $"{n} retried on {here}";
            }

            File.WriteAllText(mine, here);
            Thread.Sleep(TimeSpan.FromSeconds(2));
            return $"{n} first ran on {here}";
        }, i, new CallOptions { RetriesOnCrash = 1 }))];
        await Bounded.Eventually(() => Directory.GetFiles(markers).Any(f => File.ReadAllText(f).Length > 0) || calls.Any(c => c.IsCompleted), "a first run has started");
        string killedName = File.ReadAllText(Directory.GetFiles(markers).First(f => File.ReadAllText(f).Length > 0));
        AgentProcess killed = agents.Single(a => a.Name == killedName);
        AgentProcess survivor = agents.Single(a => a != killed);
        killed.Signal(SigKill);

        string[] results = await Task.WhenAll(calls).Within("every call, its killed runs retried");

        Assert.True(client.CallsBundled >= 2, $"Only {client.CallsBundled} calls travelled in bundles.");
        Assert.DoesNotContain(results, r => r.EndsWith("on " + killed.Name, StringComparison.Ordinal));
        Assert.Contains(results, r => r.Contains("retried on " + survivor.Name, StringComparison.Ordinal));
        Directory.Delete(markers, recursive: true);
    }

    /// <summary>
    /// Makes the pool bundle every call, once its build is uploaded (a first call waits for that), two by two while a
    /// test starts few calls: each is held until another joins it (the hold is long, for a slow machine).
    /// </summary>
    private static async Task<ClusterClient> BundlingAlwaysAsync(WorkerPool pool)
    {
        ClusterClient client = ((ClusterBackend)pool.Backend).Client;
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a first call, after the build upload"));
        client.BundleAlways(holdFor: TimeSpan.FromSeconds(2));
        return client;
    }
}
