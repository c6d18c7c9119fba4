using System.Diagnostics;
using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// Many calls while agents keep dying: each completes exactly once to its caller, with its own result, and none hangs.
/// Small by default (part of every run); <c>SPINDLE_CLUSTER_SOAK_CALLS=10000</c> runs the full soak.
/// </summary>
public sealed class SoakTests(NatsServer server) : ClusterTest(server)
{
    private const int SigKill = 9;

    [Fact]
    public async Task RunAsync_CallsWhileAnAgentIsKilledAndRestartedEverySecond_EachCompletesOnceWithItsResult()
    {
        int calls = int.TryParse(Environment.GetEnvironmentVariable("SPINDLE_CLUSTER_SOAK_CALLS"), out int n) ? n : 300;
        var agents = new AgentProcess?[3];
        try
        {
            for (int i = 0; i < agents.Length; i++)
            {
                agents[i] = await StartAgentAsync($"soak{i}");
            }

            WorkerPoolOptions options = PoolOptions(workers: 6, silence: TimeSpan.FromSeconds(2));
            options.RetriesOnCrash = 50;
            await using var pool = new WorkerPool(options);
            var completions = new int[calls];
            Task<int>[] tasks = Enumerable.Range(0, calls).Select(i => pool.RunAsync(x =>
            {
                Thread.Sleep(30);
                return x * 2 + 1;
            }, i)).ToArray();
            foreach ((Task<int> task, int index) in tasks.Select((t, i) => (t, i)))
            {
                _ = task.ContinueWith(_ => Interlocked.Increment(ref completions[index]), TaskScheduler.Default);
            }

            Task<int[]> all = Task.WhenAll(tasks);
            var clock = Stopwatch.StartNew();
            int kills = 0;
            while (!all.IsCompleted)
            {
                if (clock.Elapsed > Bounded.Soak)
                {
                    throw new TimeoutException($"{tasks.Count(t => !t.IsCompleted)} of {calls} calls had not completed after {Bounded.Soak.TotalMinutes} min ({kills} agents killed).");
                }

                await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(1)));
                if (all.IsCompleted)
                {
                    break;
                }

                int victim = kills % agents.Length;
                agents[victim]!.Signal(SigKill);
                await agents[victim]!.DisposeAsync();
                agents[victim] = null;
                agents[victim] = await StartAgentAsync($"soak{victim}-{++kills}");
            }

            int[] results = await all;
            Assert.Equal(Enumerable.Range(0, calls).Select(i => i * 2 + 1), results);
            await Bounded.Eventually(() => Volatile.Read(ref completions[calls - 1]) == 1 && completions.All(c => Volatile.Read(ref c) == 1), "every call's completion was seen");
            Assert.All(completions, c => Assert.Equal(1, c));
            Assert.True(kills >= 2, $"The calls finished after only {kills} agent kill(s): the soak did not test anything.");
        }
        finally
        {
            foreach (AgentProcess? agent in agents)
            {
                if (agent is not null)
                {
                    await agent.DisposeAsync();
                }
            }
        }
    }
}
