using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>MapAsync over a million items, chunked, spread over three agents: every result checked, and where it ran.</summary>
public sealed class MapTests(NatsServer server) : ClusterTest(server)
{
    private const int Items = 1_000_000;
    private const int ChunkSize = 5_000;

    [Fact]
    public async Task MapAsync_AMillionItemsInChunks_EveryResultRightAndChunksRanOnSeveralAgents()
    {
        var agents = new List<AgentProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                agents.Add(await StartAgentAsync($"map{i}", workers: 2));
            }

            await using var pool = new WorkerPool(PoolOptions(workers: 6));

            // Each item's result carries its value and, in its low two bits, the agent that ran it (map0..map2 → 0..2),
            // read in the worker from the variable the agent sets: the report of where a chunk ran comes from the run itself.
            long[] results = await pool.MapAsync(
                i => ((long)i * i << 2) | (uint)(Environment.GetEnvironmentVariable("SPINDLE_AGENT")![^1] - '0'),
                Enumerable.Range(0, Items),
                new MapOptions { ChunkSize = ChunkSize }).ToArrayAsync().AsTask().Within("a map of a million items");

            Assert.Equal(Items, results.Length);
            var chunksPerAgent = new int[agents.Count];
            for (int chunk = 0; chunk < Items / ChunkSize; chunk++)
            {
                int agent = (int)(results[chunk * ChunkSize] & 3);
                for (int i = chunk * ChunkSize; i < (chunk + 1) * ChunkSize; i++)
                {
                    Assert.True(results[i] >> 2 == (long)i * i, $"Item {i} came back as {results[i] >> 2}, not {(long)i * i}.");
                    Assert.True((results[i] & 3) == agent, $"Item {i} of chunk {chunk} ran on agent {results[i] & 3}, the chunk's first item on {agent}: a chunk is one call.");
                }

                Assert.InRange(agent, 0, agents.Count - 1);
                chunksPerAgent[agent]++;
            }

            Assert.True(chunksPerAgent.Count(c => c > 0) > 1, $"Every chunk ran on one agent: {string.Join(", ", chunksPerAgent.Select((c, a) => $"map{a}: {c}"))}.");
        }
        finally
        {
            foreach (AgentProcess agent in agents)
            {
                await agent.DisposeAsync();
            }
        }
    }
}
