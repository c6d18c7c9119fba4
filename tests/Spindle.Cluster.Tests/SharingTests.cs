using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>Several agents pulling from one cluster: work spreads over them, and each call completes once.</summary>
public sealed class SharingTests(NatsServer server) : ClusterTest(server)
{
    [Fact]
    public async Task RunAsync_TwoAgents_Share100CallsAndBothRunSome()
    {
        await using AgentProcess first = await StartAgentAsync("first");
        await using AgentProcess second = await StartAgentAsync("second");
        await using var pool = new WorkerPool(PoolOptions(workers: 8));

        // Long enough per call that one agent with one worker cannot take them all while the other is idle.
        (int Value, string? Agent)[] results = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => pool.RunAsync(n =>
        {
            Thread.Sleep(20);
            return (n * 3, Environment.GetEnvironmentVariable("SPINDLE_AGENT"));
        }, i))).Within("100 calls over two agents");

        Assert.Equal(Enumerable.Range(0, 100).Select(i => i * 3), results.Select(r => r.Value));
        Dictionary<string, int> perAgent = results.GroupBy(r => r.Agent ?? "?").ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(["first", "second"], perAgent.Keys.Order());
        Assert.All(perAgent.Values, count => Assert.InRange(count, 1, 99));
    }

    [Fact]
    public async Task RunAsync_TwoPoolsOneAgent_EachGetsItsOwnResults()
    {
        await using AgentProcess agent = await StartAgentAsync("shared", workers: 2);
        await using var one = new WorkerPool(PoolOptions());
        await using var two = new WorkerPool(PoolOptions());

        Task<int[]> fromOne = Task.WhenAll(Enumerable.Range(0, 20).Select(i => one.RunAsync(n => n + 1000, i)));
        Task<int[]> fromTwo = Task.WhenAll(Enumerable.Range(0, 20).Select(i => two.RunAsync(n => n + 2000, i)));

        try
        {
            Assert.Equal(Enumerable.Range(1000, 20), await fromOne.Within("the first pool's calls"));
            Assert.Equal(Enumerable.Range(2000, 20), await fromTwo.Within("the second pool's calls"));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nThe agent's log:\n{agent.Output}", e);
        }
    }
}
