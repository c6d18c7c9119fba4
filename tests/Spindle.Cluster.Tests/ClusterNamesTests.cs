using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>Two clusters on one server stay apart: each cluster's agents run only its pools' calls and list only themselves.</summary>
public sealed class ClusterNamesTests(NatsServer server) : IClassFixture<NatsServer>
{
    [Fact]
    public async Task RunAsync_TwoClustersOneServer_EachClustersCallsRunOnlyOnItsAgents()
    {
        string red = "red" + Guid.NewGuid().ToString("N")[..8], blue = "blue" + Guid.NewGuid().ToString("N")[..8];
        await using AgentProcess redAgent = await AgentProcess.StartAsync(server, "red-agent", red);
        await using AgentProcess blueAgent = await AgentProcess.StartAsync(server, "blue-agent", blue);
        await using var redPool = new WorkerPool(Options(red));
        await using var bluePool = new WorkerPool(Options(blue));

        Task<string?[]> onRed = Task.WhenAll(Enumerable.Range(0, 20).Select(_ => redPool.RunAsync(() => Environment.GetEnvironmentVariable("SPINDLE_AGENT"))));
        Task<string?[]> onBlue = Task.WhenAll(Enumerable.Range(0, 20).Select(_ => bluePool.RunAsync(() => Environment.GetEnvironmentVariable("SPINDLE_AGENT"))));

        Assert.All(await onRed.Within("the red cluster's calls"), agent => Assert.Equal("red-agent", agent));
        Assert.All(await onBlue.Within("the blue cluster's calls"), agent => Assert.Equal("blue-agent", agent));
        Assert.Equal(["red-agent"], (await redPool.GetAgentsAsync().Within("the red registry")).Select(a => a.Name));
        Assert.Equal(["blue-agent"], (await bluePool.GetAgentsAsync().Within("the blue registry")).Select(a => a.Name));
    }

    private WorkerPoolOptions Options(string cluster) => new WorkerPoolOptions { Workers = 4, DrainTimeout = Bounded.Prompt }.UseCluster(new ClusterOptions
    {
        Server = server.Url,
        User = server.User,
        Password = server.Password,
        ClusterName = cluster,
    });
}
