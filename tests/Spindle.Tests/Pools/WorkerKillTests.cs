using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>Killing a worker at a user's order (<see cref="WorkerPool.KillWorker"/>, the dashboard's "kill").</summary>
public class WorkerKillTests
{
    [Fact]
    public async Task KillWorker_IdleWorkerThenACallAtOnce_TheCallRunsOnAReplacement()
    {
        // One worker, so the call right after the kill has no other to go to; each round's kill counts as a crash.
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.MaxRestarts = 1000);
        var killed = new HashSet<int>();
        for (int round = 0; round < 50; round++)
        {
            // Its result comes after the worker is parked idle again.
            int victim = await pool.RunAsync(() => Environment.ProcessId).Within($"round {round}: a call that leaves the worker idle");
            Assert.True(pool.KillWorker(victim), $"round {round}: worker {victim} is one of the pool's");
            killed.Add(victim);

            int ranOn = await pool.RunAsync(() => Environment.ProcessId).Within($"round {round}: the call right after the kill");

            Assert.DoesNotContain(ranOn, killed);
        }
    }

    [Fact]
    public async Task KillWorker_IdleWorker_CountsAsACrashAndIsReplaced()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);
        var exited = new TaskCompletionSource<WorkerExitedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        var replaced = new TaskCompletionSource<WorkerStartedEventArgs>(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.WorkerExited += (_, e) => exited.TrySetResult(e);
        pool.WorkerStarted += (_, e) =>
        {
            if (e.Replacement)
            {
                replaced.TrySetResult(e);
            }
        };
        await pool.WarmUpAsync().Within("the warm-up");
        int victim = pool.GetWorkers()[0].Id;

        Assert.True(pool.KillWorker(victim));

        WorkerExitedEventArgs exit = await exited.Task.Within("the killed worker's exit");
        Assert.Equal((victim, WorkerExitReason.Crashed), (exit.WorkerId, exit.Reason));
        Assert.NotEqual(victim, (await replaced.Task.Within("its replacement")).WorkerId);
        Assert.Equal(1, pool.RecentRestarts);
    }

    [Fact]
    public async Task KillWorker_NoSuchWorkerProcess_ReturnsFalseAndKillsNothing()
    {
        await using WorkerPool processes = TestPools.Process(workers: 1);
        await using WorkerPool threads = TestPools.Thread(workers: 1);
        int worker = await processes.RunAsync(() => Environment.ProcessId).Within("a call");
        await threads.RunAsync(() => 0).Within("a call on a thread");

        Assert.False(processes.KillWorker(Environment.ProcessId));
        Assert.False(threads.KillWorker(threads.GetWorkers()[0].Id));
        Assert.Equal(worker, await processes.RunAsync(() => Environment.ProcessId).Within("a call on the same worker"));
    }
}
