using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using Spindle.Cluster.Agent;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>What an agent is to the cluster: an entry in the registry, and a cache of the builds it runs.</summary>
public sealed class AgentTests(NatsServer server) : ClusterTest(server)
{
    private const int SigTerm = 15;

    [Fact]
    public async Task Agent_Registers_AndLeavesTheRegistryWhenItStops()
    {
        AgentProcess agent = await StartAgentAsync("listed", workers: 2);
        await using (agent)
        {
            await using var nats = new NatsConnection(NatsOpts.Default with
            {
                Url = Server.Url,
                AuthOpts = NatsAuthOpts.Default with { Username = Server.User, Password = Server.Password },
            });
            INatsKVStore registry = await new NatsKVContext(new NatsJSContext(nats)).GetStoreAsync($"spindle_{Cluster}_agents");

            ClusterAgentInfo entry = Assert.Single(await AgentRegistry.ListAsync(registry, CancellationToken.None));
            Assert.Equal("listed", entry.Name);
            Assert.Equal(2, entry.Workers);
            Assert.Equal(0, entry.Busy);
            Assert.Equal(Environment.ProcessorCount, entry.Cores);
            Assert.Equal(Environment.MachineName, entry.Host);
            Assert.False(string.IsNullOrEmpty(entry.Version));
            Assert.InRange(entry.Heartbeat, DateTimeOffset.UtcNow - Bounded.Unexpected, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5));

            await using (var pool = new WorkerPool(PoolOptions()))
            {
                // The entry may have been refreshed in between: its time and its memory and CPU readings may differ.
                static ClusterAgentInfo Steady(ClusterAgentInfo a) => a with { Heartbeat = default, RssBytes = null, CpuPercent = null };
                Assert.Equal(Steady(entry), Steady(Assert.Single(await pool.GetAgentsAsync())));
            }

            agent.Signal(SigTerm);
            Assert.Equal(0, await agent.Exited.Within("the agent to exit"));
            Assert.Empty(await AgentRegistry.ListAsync(registry, CancellationToken.None));
        }
    }

    [Fact]
    public async Task Agent_CallsOfAClientThatIsGone_AreRemovedFromTheStreamWithoutRunning()
    {
        string marker = Marker();
        await using var relay = new TcpRelay(Server.Url);
        var pool = new WorkerPool(PoolOptionsThrough(relay));
        _ = pool.RunAsync(() => File.WriteAllText(marker, "ran"));
        await Bounded.Eventually(() => StoredCalls().Result == 1, "the call is stored in the stream");

        // The client dies with its call still waiting (cut off first: a pool that ends on purpose takes its waiting
        // calls out of the stream); an agent arriving later finds nobody to claim it from.
        relay.Cut();
        await pool.TerminateAsync().Within("the client to stop");
        await using AgentProcess agent = await StartAgentAsync("orphans", 1, "--max-deliver", "2");

        try
        {
            await Bounded.Eventually(() => agent.Output.Contains("dropped after 2 unanswered deliveries", StringComparison.Ordinal), "the agent has given up on the call");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n--- agent ---\n{agent.Output}", e);
        }
        Assert.Equal(0, await StoredCalls());
        Assert.False(File.Exists(marker), "The call of the client that was gone ran.");
    }

    private async Task<long> StoredCalls()
    {
        await using var nats = new NatsConnection(NatsOpts.Default with
        {
            Url = Server.Url,
            AuthOpts = NatsAuthOpts.Default with { Username = Server.User, Password = Server.Password },
        });
        INatsJSStream stream = await new NatsJSContext(nats).GetStreamAsync($"SPINDLE_{Cluster}_CALLS");
        return (long)stream.Info.State.Messages;
    }

    [Fact]
    public async Task GetAgentsAsync_OnAPoolOfThisMachine_FailsNamingTheOption()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Thread });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => pool.GetAgentsAsync());

        Assert.Contains("UseCluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_BuildWithoutTheWorkerHost_FailsNamingTheAgentAndWhatIsMissing()
    {
        // A copy of this app's build without Spindle.Worker.dll: the agent fetches it and cannot start a worker from it.
        string copy = Directory.CreateTempSubdirectory("spindle-broken-build-").FullName;
        try
        {
            foreach (string file in Directory.EnumerateFiles(AppContext.BaseDirectory).Where(f => Path.GetFileName(f) != "Spindle.Worker.dll"))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }

            await using AgentProcess agent = await StartAgentAsync("picky");
            ClusterOptions cluster = ClusterOptions();
            cluster.BuildDirectory = copy;
            await using var pool = new WorkerPool(new WorkerPoolOptions().UseCluster(cluster));

            var error = await Assert.ThrowsAsync<SpindleException>(() => pool.RunAsync(() => 1).Within("a call the agent cannot start"));

            Assert.Contains("Agent 'picky'", error.Message, StringComparison.Ordinal);
            Assert.Contains("Spindle.Worker.dll", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public async Task RunAsync_OnAnAgent_LoadsTheCallersAssemblyFromTheBuildItFetched()
    {
        await using AgentProcess agent = await StartAgentAsync("fetcher");
        await using var pool = new WorkerPool(PoolOptions());
        string testDirectory = Path.GetDirectoryName(typeof(AgentTests).Assembly.Location)!;

        string loadedFrom = await pool.RunAsync(() => typeof(AgentTests).Assembly.Location).Within("a call reporting where its assembly came from");

        // Loaded from the agent's cache (the build it fetched), byte for byte this test assembly.
        Assert.StartsWith(agent.CacheDirectory, loadedFrom, StringComparison.Ordinal);
        Assert.Equal(await File.ReadAllBytesAsync(typeof(AgentTests).Assembly.Location), await File.ReadAllBytesAsync(loadedFrom));
        Assert.NotEqual(testDirectory, Path.GetDirectoryName(loadedFrom));
    }
}
