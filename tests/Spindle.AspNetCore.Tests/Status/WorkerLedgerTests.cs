using System.Diagnostics;
using Spindle.AspNetCore.Status;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Status;

/// <summary>Per-worker crash and restart counts of a pool whose workers were running before the dashboard first looked.</summary>
public sealed class WorkerLedgerTests
{
    [Fact]
    public async Task Snapshot_WorkerStartedBeforeTheDashboard_ItsReplacementCountsTheCrash()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Name = "warm", Isolation = Isolation.Process, Workers = 1, WarmUp = true });
        await pool.WarmUpAsync().Within("the pool to warm up");
        int victim = pool.GetWorkers().Single().Id;
        using var monitor = new PoolMonitor(() => [pool]);
        monitor.Sample();

        using (var process = Process.GetProcessById(victim))
        {
            process.Kill();
            await process.WaitForExitAsync().Within("the killed worker to exit");
        }

        WorkerView? row = null;
        await Bounded.Eventually(
            () => (row = monitor.Snapshot().Pools.Single().Workers.SingleOrDefault()) is { Restarts: 1 } && row.Id != victim,
            "the replacement is on the dashboard with its restart");
        Assert.Equal(1, row!.Crashes);
        Assert.Equal(1, monitor.Snapshot().Pools.Single().Totals.Crashes);
    }

    [Fact]
    public async Task Snapshot_WorkersStartedBeforeTheDashboard_APlaceCrashedTwiceCountsTwo_TheOtherNone()
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Name = "warm", Isolation = Isolation.Process, Workers = 2, WarmUp = true, MaxRestarts = 10 });
        await pool.WarmUpAsync().Within("the pool to warm up");
        int victim = pool.GetWorkers()[0].Id;
        int survivor = pool.GetWorkers()[1].Id;
        using var monitor = new PoolMonitor(() => [pool]);
        monitor.Sample();

        // The same place crashes twice: the first worker, then its replacement.
        for (int crash = 1; crash <= 2; crash++)
        {
            using (var process = Process.GetProcessById(victim))
            {
                process.Kill();
                await process.WaitForExitAsync().Within($"killed worker {crash} to exit");
            }

            int killed = victim;
            WorkerView? replacement = null;
            await Bounded.Eventually(
                () => (replacement = monitor.Snapshot().Pools.Single().Workers.SingleOrDefault(w => w.Id != killed && w.Id != survivor)) is { } r && r.Restarts == crash,
                $"replacement {crash} is on the dashboard with its restarts");
            Assert.Equal(crash, replacement!.Crashes);
            victim = replacement.Id;
        }

        WorkerView untouched = monitor.Snapshot().Pools.Single().Workers.Single(w => w.Id == survivor);
        Assert.Equal((0, 0), (untouched.Crashes, untouched.Restarts));
    }
}
