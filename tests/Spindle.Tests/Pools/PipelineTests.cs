using Spindle.Pools;
using Spindle.Tests.Support;
using Spindle.Workers;

namespace Spindle.Tests.Pools;

/// <summary>PipelineDepth above 1: calls wait in a busy worker's socket; every call still completes once, in order of its worker.</summary>
public class PipelineTests
{
    [Fact]
    public async Task ManyCalls_PipelinedOnOneWorker_AllCompleteWithTheirOwnResults()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.PipelineDepth = 4);

        long[] results = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => pool.RunAsync(x => (long)x * x, i))).Within("pipelined calls");

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i * i), results);
    }

    [Fact]
    public async Task WorkerCrashes_CallsWaitingBehindItRunOnTheReplacement_OnlyTheRunningCallFails()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.PipelineDepth = 3);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");

        Task<int> crashing = pool.RunAsync(() =>
        {
            Task.Delay(200).Wait(); // lets the next calls reach the worker's socket first
            Die.Now(DeathKind.Sigkill);
            return 0;
        });
        Task<int> second = pool.RunAsync(() => Environment.ProcessId);
        Task<int> third = pool.RunAsync(() => Environment.ProcessId);

        await Assert.ThrowsAsync<WorkerCrashedException>(() => crashing.Within("the crashing call"));
        int secondPid = await second.Within("the second call");
        int thirdPid = await third.Within("the third call");
        Assert.NotEqual(pid, secondPid);
        Assert.Equal(secondPid, thirdPid);
    }

    [Fact]
    public async Task WaitingCallCancelled_IsCancelledAsItStarts_AndTheWorkerLives()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.PipelineDepth = 2);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");
        using var cancel = new CancellationTokenSource();

        Task<int> running = pool.RunAsync(() =>
        {
            Task.Delay(300).Wait(); // simulated work while the next call waits behind it
            return 1;
        });
        Task<int> waiting = pool.RunAsync(ct =>
        {
            ct.ThrowIfCancellationRequested();
            return 2;
        }, cancel.Token);
        await cancel.CancelAsync();

        Assert.Equal(1, await running.Within("the running call"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.Within("the cancelled waiting call"));
        Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("a call after"));
    }

    [Fact]
    public void PipelineDepth_OutOfRange_ThrowsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPoolOptions { PipelineDepth = 0 });

        Assert.Equal(nameof(WorkerPoolOptions.PipelineDepth), error.ParamName);
    }
}
