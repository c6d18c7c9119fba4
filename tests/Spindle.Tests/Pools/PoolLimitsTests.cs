using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>What a pool tells about its limits and how near it is to them: what a health check reads.</summary>
public class PoolLimitsTests
{
    [Fact]
    public async Task Limits_AreTheOptionsThePoolWasCreatedWith()
    {
        await using WorkerPool pool = TestPools.Thread(configure: o =>
        {
            o.MaxQueuedCalls = 7;
            o.MaxRestarts = 3;
        });

        Assert.Equal(7, pool.MaxQueuedCalls);
        Assert.Equal(3, pool.MaxRestarts);
        Assert.Equal(0, pool.RecentRestarts);
    }

    [Fact]
    public async Task RecentRestarts_CountsCrashedWorkerProcesses_AndForgetsThemAfterTheWindow()
    {
        await using WorkerPool pool = TestPools.Process(configure: o =>
        {
            o.MaxRestarts = 5;
            o.RestartWindow = TimeSpan.FromSeconds(2);
        });

        for (int i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => { Environment.Exit(3); return 0; }).Within("crashing call"));
        }

        Assert.Equal(2, pool.RecentRestarts);
        Assert.Equal(PoolState.Running, pool.State);
        await Bounded.Eventually(() => pool.RecentRestarts == 0, "the crashes fall out of the 2 s restart window");
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("a call after the window"));
    }

    [Fact]
    public async Task RecentRestarts_OverMaxRestarts_IsTheFaultedPoolsCount()
    {
        await using WorkerPool pool = TestPools.Process(configure: o =>
        {
            o.MaxRestarts = 1;
            o.RestartWindow = TimeSpan.FromMinutes(5);
        });

        for (int i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => { Environment.Exit(3); return 0; }).Within("crashing call"));
        }

        await Bounded.Eventually(() => pool.State == PoolState.Faulted, "the pool faults");
        Assert.Equal(2, pool.RecentRestarts);
    }
}
