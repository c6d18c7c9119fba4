using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>The NATS server goes away mid-run and comes back: calls wait for it and complete, none is lost or crashed.</summary>
public sealed class ServerRestartTests(NatsServer server) : ClusterTest(server)
{
    [Fact]
    public async Task RunAsync_ServerRestartedWhileACallRunsAndOthersWait_EveryCallCompletes()
    {
        await using AgentProcess agent = await StartAgentAsync("survivor");
        await using var pool = new WorkerPool(PoolOptions(workers: 4, silence: TimeSpan.FromSeconds(3)));
        string marker = Marker();

        // One call runs on the agent through the outage; three more wait in the stream (the agent has one worker).
        Task<int> running = pool.RunAsync(() =>
        {
            File.WriteAllText(marker, "started");
            Thread.Sleep(TimeSpan.FromSeconds(4));
            return 100;
        });
        await Bounded.Eventually(() => File.Exists(marker) || running.IsCompleted, "the first call has started on the agent");
        Assert.False(running.IsCompleted, $"The call ended before the server went away: {running.Exception?.InnerException}");
        Task<int>[] waiting = Enumerable.Range(1, 3).Select(i => pool.RunAsync(x => x, i)).ToArray();

        await Server.RestartAsync(down: TimeSpan.FromSeconds(2));

        try
        {
            Assert.Equal(100, await running.Within("the call that ran through the outage"));
            int[] waited = await Task.WhenAll(waiting).Within("the calls that waited in the stream");
            Assert.Equal([1, 2, 3], waited);
            Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the restart"));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"{e.GetType().Name}: {e.Message}\n--- agent ---\n{agent.Output}\n--- server ---\n{Server.Output}");
        }
        File.Delete(marker);
    }
}
