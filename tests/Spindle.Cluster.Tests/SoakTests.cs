using Spindle.Cluster.Tests.Support;

namespace Spindle.Cluster.Tests;

/// <summary>
/// 10,000 calls while one agent of three is SIGKILLed and restarted every second, and 10,000 while nats-server is
/// SIGKILLed and restarted (same port, same store) once mid-run: each completes exactly once to its caller, with its
/// own result, and none hangs. <c>SPINDLE_CLUSTER_SOAK_CALLS</c> sets another count.
/// </summary>
public sealed class SoakTests(NatsServer server) : ClusterTest(server)
{
    private const int SigKill = 9;

    [Fact]
    public async Task RunAsync_CallsWhileAnAgentIsKilledAndRestartedEverySecond_EachCompletesOnceWithItsResult()
    {
        var agents = new AgentProcess?[3];
        try
        {
            for (int i = 0; i < agents.Length; i++)
            {
                agents[i] = await StartAgentAsync($"soak{i}", workers: 2);
            }

            WorkerPoolOptions options = PoolOptions(workers: 12, silence: TimeSpan.FromSeconds(2));
            options.RetriesOnCrash = 50;

            // Agents lost on purpose, dozens a minute on a fast machine: not the runaway crashing MaxRestarts is there to stop.
            options.MaxRestarts = 1_000_000;
            await using var pool = new WorkerPool(options);

            SoakOutcome soak = await Soak.RunAsync(pool, Soak.Calls, TimeSpan.FromSeconds(1), async (kill, _) =>
            {
                int victim = kill % agents.Length;
                agents[victim]!.Signal(SigKill);
                await agents[victim]!.DisposeAsync();
                agents[victim] = null;
                agents[victim] = await StartAgentAsync($"soak{victim}-{kill + 1}", workers: 2);
                return true;
            }, () => string.Join('\n', agents.Select(a => a is null ? "(no agent)" : $"--- {a.Name} ---\n{a.Output}")));

            // Each kill takes the calls its agent runs; with RetriesOnCrash, the pool runs them again elsewhere.
            Assert.True(soak.Faults >= 2 && soak.Retries >= 1, $"The calls finished after {soak.Faults} agent kill(s) and {soak.Retries} retries in {soak.Took.TotalSeconds:F0} s: the soak did not test anything.");
            Console.WriteLine($"Soak: {Soak.Calls} calls, agents killed: {soak}.");
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

    [Fact]
    public async Task RunAsync_CallsWhileTheServerIsKilledAndRestartedOnce_EachCompletesOnceWithItsResult()
    {
        var agents = new List<AgentProcess>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                agents.Add(await StartAgentAsync($"outage{i}", workers: 2));
            }

            await using var pool = new WorkerPool(PoolOptions(workers: 12, silence: TimeSpan.FromSeconds(3)));
            int calls = Soak.Calls;
            int restartedAt = -1;

            // Once a third of the calls are done, the server dies with the rest queued in the stream, claimed, running
            // or being answered, and comes back two seconds later from its file store.
            SoakOutcome soak = await Soak.RunAsync(pool, calls, TimeSpan.FromMilliseconds(100), async (restarts, completed) =>
            {
                if (restarts > 0 || completed < calls / 3)
                {
                    return false;
                }

                restartedAt = completed;
                await Server.RestartAsync(down: TimeSpan.FromSeconds(2));
                return true;
            }, () => $"{string.Join('\n', agents.Select(a => $"--- {a.Name} ---\n{a.Output}"))}\n--- server ---\n{Server.Output}");

            Assert.True(soak.Faults == 1 && restartedAt < calls, $"The server was restarted {soak.Faults} time(s), after {restartedAt} of {calls} calls: the soak did not test anything.");
            int claimsAskedAgain = agents.Sum(a => a.Output.Split('\n').Count(line => line.Contains("asked again", StringComparison.Ordinal)));
            Console.WriteLine($"Server soak: {calls} calls, the server restarted after {restartedAt}, {claimsAskedAgain} claims asked again: {soak}.");
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
