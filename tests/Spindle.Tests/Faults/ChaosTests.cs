using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Faults;

[Collection(SerialCollection.Name)]
public class ChaosTests
{
    [Fact]
    public async Task TenThousandCalls_WhileWorkersAreKilledEveryFiftyMilliseconds_EachCompletesOnceOrFailsAsACrash()
    {
        const int Calls = 10_000;
        await using WorkerPool pool = TestPools.Process(workers: 2, o =>
        {
            o.RetriesOnCrash = 5;
            o.MaxRestarts = 100_000;
            o.MaxQueuedCalls = Calls;
        });
        await pool.WarmUpAsync().Within("warm-up");
        using var stop = new CancellationTokenSource();
        int kills = 0;
        Task killer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(50);
                IReadOnlyList<WorkerInfo> workers = pool.GetWorkers();
                if (workers.Count > 0)
                {
                    try
                    {
                        Process.GetProcessById(workers[Random.Shared.Next(workers.Count)].Id).Kill();
                        kills++;
                    }
                    catch (ArgumentException)
                    {
                        // Already gone: another kill or a retirement beat us to it.
                    }
                }
            }
        });

        Task<long>[] calls = Enumerable.Range(0, Calls).Select(i => pool.RunAsync(x =>
        {
            Thread.SpinWait(20_000); // a little work, so kills land while calls run
            return (long)x * 3;
        }, i)).ToArray();
        Task all = Task.WhenAll(calls);
        await Task.WhenAny(all, Task.Delay(Bounded.Soak));
        await stop.CancelAsync();
        await killer;

        Assert.True(all.IsCompleted, $"{calls.Count(c => !c.IsCompleted)} calls never completed");
        int succeeded = 0;
        for (int i = 0; i < Calls; i++)
        {
            if (calls[i].IsCompletedSuccessfully)
            {
                Assert.Equal((long)i * 3, await calls[i]);
                succeeded++;
            }
            else
            {
                Assert.IsType<WorkerCrashedException>(calls[i].Exception!.InnerException);
            }
        }

        Assert.True(kills > 5, $"only {kills} kills happened: the test did not exercise crashes");
        Assert.True(succeeded > Calls * 9 / 10, $"only {succeeded} of {Calls} calls succeeded despite retries");
        Assert.Equal(PoolState.Running, pool.State);
    }
}
