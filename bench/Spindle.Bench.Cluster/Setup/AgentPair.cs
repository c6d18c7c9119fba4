namespace Spindle.Bench.Cluster.Setup;

/// <summary>The two agents of one worker each that measurements 2 and 3 share, started once.</summary>
internal sealed class AgentPair(AgentProcess first, AgentProcess second) : IAsyncDisposable
{
    public static async Task<AgentPair> StartAsync(BenchCluster cluster)
    {
        AgentProcess first = await AgentProcess.StartAsync(cluster.Server.Url, BenchCluster.ThroughputCluster, "tp-1", workers: 1);
        try
        {
            return new AgentPair(first, await AgentProcess.StartAsync(cluster.Server.Url, BenchCluster.ThroughputCluster, "tp-2", workers: 1));
        }
        catch
        {
            await first.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(first.DisposeAsync().AsTask(), second.DisposeAsync().AsTask());
    }
}
