using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Orders to a whole agent from a pool (<c>DrainAgentAsync</c>, <c>KillAgentAsync</c>) reach a real <c>spindle agent</c>
/// over its control subject, and its registry entry carries its figures.
/// </summary>
public sealed class AgentControlTests(NatsServer server) : ClusterTest(server)
{
    [Fact]
    public async Task DrainAgentAsync_AgentFinishesTheCallItHolds_ExitsZero_LeavesTheRegistry()
    {
        await using AgentProcess agent = await StartAgentAsync("drain-me");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        string marker = Marker();
        Task<int> call = pool.RunAsync(static (string path) =>
        {
            File.WriteAllText(path, "started");
            Thread.Sleep(1500);
            return Environment.ProcessId;
        }, marker);
        await Bounded.Eventually(() => File.Exists(marker) || call.IsCompleted, "the call to start on the agent");

        Assert.True(await pool.DrainAgentAsync(agent.Name).Within("the drain order"));

        // It finishes the call it holds before it goes.
        Assert.True(await call.Within("the held call") > 0);
        Assert.Equal(0, await agent.Exited.Within("the drained agent to exit"));
        Assert.Empty(await pool.GetAgentsAsync().Within("the registry"));
        Assert.False(await pool.DrainAgentAsync(agent.Name).Within("an order to nobody"));
        File.Delete(marker);
    }

    [Fact]
    public async Task DrainAgentAsync_WhileItFinishesACall_TakesNoNewCall()
    {
        // A draining agent finishing a long call must not be handed the next one: with an AckWait of an hour, a call it
        // took and never ran would wait that hour; here it runs on the other agent while the first still drains.
        // Two workers: one runs the long call, the other keeps a pull request waiting at the server when the drain comes.
        await using AgentProcess draining = await StartAgentAsync("draining", 2, "--ack-wait", "3600");
        await using var pool = new WorkerPool(PoolOptions());
        string started = Marker();
        string release = Marker();
        Task<string?> holding = pool.RunAsync(() =>
        {
            File.WriteAllText(started, "started");
            while (!File.Exists(release))
            {
                Thread.Sleep(20);
            }

            return Environment.GetEnvironmentVariable("SPINDLE_AGENT");
        });
        await Bounded.Eventually(() => File.Exists(started) || holding.IsCompleted, "the long call to start on the first agent");
        Assert.True(await pool.DrainAgentAsync(draining.Name).Within("the drain order"));
        await Bounded.Eventually(() => draining.Output.Contains("stopping", StringComparison.Ordinal), "the agent to stop pulling");

        Task<string?> next = pool.RunAsync(() => Environment.GetEnvironmentVariable("SPINDLE_AGENT"));
        // The same AckWait: the consumer is shared, and the last agent to start sets it.
        await using AgentProcess other = await StartAgentAsync("other", 1, "--ack-wait", "3600");

        Assert.Equal("other", await next.Within("the call sent while the first agent drains"));
        Assert.False(holding.IsCompleted, "The long call ended before it was released.");
        File.WriteAllText(release, "go");
        Assert.Equal("draining", await holding.Within("the long call on the draining agent"));
        Assert.Equal(0, await draining.Exited.Within("the drained agent to exit"));
        File.Delete(started);
        File.Delete(release);
    }

    [Fact]
    public async Task KillAgentAsync_AgentDiesAtOnce_UnknownAgentIsFalse_BadNameIsRefused()
    {
        await using AgentProcess agent = await StartAgentAsync("kill-me");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));

        Assert.False(await pool.KillAgentAsync("nobody-here").Within("an order to nobody"));
        ArgumentException bad = await Assert.ThrowsAsync<ArgumentException>(() => pool.KillAgentAsync("not a name"));
        Assert.Equal("agentName", bad.ParamName);

        Assert.True(await pool.KillAgentAsync(agent.Name).Within("the kill order"));
        Assert.Equal(128 + 9, await agent.Exited.Within("the killed agent to die"));
        Assert.DoesNotContain(await pool.GetAgentsAsync().Within("the registry"), a => a.Name == agent.Name);
    }

    [Fact]
    public async Task DrainAndKillAgentAsync_TokenCancelledAlready_SendNothing()
    {
        await using AgentProcess agent = await StartAgentAsync("keeps-going");
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.KillAgentAsync(agent.Name, cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.DrainAgentAsync(agent.Name, cancelled.Token));

        // An order that went out would be obeyed at once; this call is run by the same agent after both.
        Assert.Equal(7, await pool.RunAsync(() => 7).Within("a call after the withdrawn orders"));
        Assert.False(agent.Exited.IsCompleted, agent.Output);
        Assert.DoesNotContain("ordered over its control subject", agent.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DrainAgentAsync_NotAnAgentName_FailsNamingAgentName()
    {
        await using var pool = new WorkerPool(PoolOptions(workers: 1));

        var invalid = Assert.Throws<ArgumentException>(() => { _ = pool.DrainAgentAsync("a.b"); });
        Assert.Equal("agentName", invalid.ParamName);
        var missing = Assert.Throws<ArgumentNullException>(() => { _ = pool.KillAgentAsync(null!); });
        Assert.Equal("agentName", missing.ParamName);
    }

    [Fact]
    public async Task GetAgentsAndDrainAgentAsync_AfterDispose_NameThePool()
    {
        var pool = new WorkerPool(PoolOptions(workers: 1));
        await pool.DisposeAsync();

        var listing = Assert.Throws<ObjectDisposedException>(() => { _ = pool.GetAgentsAsync(); });
        Assert.Contains(nameof(WorkerPool), listing.ObjectName, StringComparison.Ordinal);
        var ordering = Assert.Throws<ObjectDisposedException>(() => { _ = pool.DrainAgentAsync("anyone"); });
        Assert.Contains(nameof(WorkerPool), ordering.ObjectName, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAgentsAndDrainAgentAsync_CutOffFromTheServer_FailNamingItInsteadOfWaiting()
    {
        await using var relay = new TcpRelay(Server.Url);
        await using var pool = new WorkerPool(PoolOptionsThrough(relay, workers: 1));
        Assert.Empty(await pool.GetAgentsAsync().Within("the registry, while connected"));
        relay.Cut();

        var listing = await Assert.ThrowsAsync<SpindleException>(() => pool.GetAgentsAsync().Within("the registry, cut off"));
        Assert.Contains($"'{relay.Url}' (ClusterOptions.Server)", listing.Message, StringComparison.Ordinal);
        var ordering = await Assert.ThrowsAsync<SpindleException>(() => pool.DrainAgentAsync("anyone").Within("an order, cut off"));
        Assert.Contains($"'{relay.Url}' (ClusterOptions.Server)", ordering.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TerminateAsync_CallsWaitingInTheStream_LeaveItAndNoAgentRunsThem()
    {
        await using AgentProcess agent = await StartAgentAsync("after-terminate");
        string markers = Directory.CreateTempSubdirectory("spindle-terminate-").FullName;
        var pool = new WorkerPool(PoolOptions(workers: 4));
        Task<int>[] calls = [.. Enumerable.Range(0, 3).Select(i => pool.RunAsync(static (string marker) =>
        {
            File.WriteAllText(marker, "started");
            Thread.Sleep(5_000);
            return 1;
        }, Path.Combine(markers, $"call-{i}")))];
        await Bounded.Eventually(() => Directory.GetFiles(markers).Length == 1, "one call has started on the agent's one worker");

        await pool.TerminateAsync();
        await pool.DisposeAsync();
        foreach (Task<int> call in calls)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.Within("a call of the terminated pool"));
        }

        // The agent's worker is free again once the running call is killed; the two that waited must not start then.
        await Task.Delay(TimeSpan.FromSeconds(6));
        Assert.Single(Directory.GetFiles(markers));
    }

    [Fact]
    public async Task GetAgentsAsync_NoAgentEverStartedOnTheCluster_IsEmpty()
    {
        // A new cluster name: no agent has created its registry yet (the server has no such bucket).
        await using var pool = new WorkerPool(PoolOptions(workers: 1));
        Assert.Empty(await pool.GetAgentsAsync().Within("the registry of a cluster no agent has joined"));
    }

    [Fact]
    public async Task GetAgentsAsync_EntryCarriesCpuMemoryCallsAndWorkerProcesses()
    {
        await using AgentProcess agent = await StartAgentAsync("figures", workers: 2);
        await using var pool = new WorkerPool(PoolOptions(workers: 2));
        for (int i = 0; i < 4; i++)
        {
            await pool.RunAsync(static () => Environment.ProcessId).Within("a call");
        }

        // The entry is refreshed every heartbeat (2 s): read it until one after the calls is there.
        ClusterAgentInfo? entry = null;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((entry = (await pool.GetAgentsAsync().Within("the registry")).SingleOrDefault(a => a.Name == agent.Name)) is not { CallsDone: >= 4, CpuPercent: not null, Busy: 0 })
        {
            Assert.True(clock.Elapsed < Bounded.Unexpected, $"the agent's entry never counted its calls: {entry}");
            await Task.Delay(200);
        }

        Assert.True(entry!.RssBytes > 0);
        Assert.Equal(0, entry.Crashes);
        Assert.NotEmpty(entry.WorkerProcesses);
        Assert.All(entry.WorkerProcesses, w => Assert.True(w.RssBytes > 0));
        Assert.Equal(4, entry.WorkerProcesses.Sum(w => w.CallsDone));
    }
}
