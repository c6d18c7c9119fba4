using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Faults;

[Collection(SerialCollection.Name)]
public class DeadIdleWorkerTests
{
    [Fact]
    public async Task CallRightAfterAnIdleWorkerIsKilled_IsAnsweredOrFails_NeverLost()
    {
        // The race: a call matched with an idle worker that has just died, while the pool is handling that death. The
        // call must still end (answered by another worker, or failed as a crash), never wait forever.
        await using WorkerPool pool = TestPools.Process(workers: 2, configure: o => o.MaxRestarts = 1000);
        await pool.WarmUpAsync().Within("warm-up");
        int answered = 0;
        for (int round = 0; round < 40; round++)
        {
            WorkerInfo victim = pool.GetWorkers().First();
            using (Process process = Process.GetProcessById(victim.Id))
            {
                process.Kill();
                Assert.True(process.WaitForExit(Bounded.Unexpected), $"worker {victim.Id} did not die");
            }

            Task<int>[] calls = [.. Enumerable.Range(0, 4).Select(i => pool.RunAsync(x => x + 1, i))];
            foreach (Task<int> call in calls)
            {
                try
                {
                    await call.Within($"a call made just after killing worker {victim.Id} (round {round})");
                    answered++;
                }
                catch (WorkerCrashedException)
                {
                    // Sent to the dead worker before the pool noticed: fails like the call it would have run.
                }
            }

            await Bounded.Eventually(() => pool.GetWorkers().Count == 2 && pool.GetWorkers().All(w => w.Id != victim.Id), "the victim replaced");
        }

        Assert.True(answered > 0);
        Assert.Equal(PoolState.Running, pool.State);
    }
}
