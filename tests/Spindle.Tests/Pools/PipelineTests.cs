using Spindle;
using Spindle.Pools;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>
/// PipelineDepth above 1: calls wait in a busy worker's socket; every call still completes once, in order of its
/// worker. By default only calls known to be short are sent ahead; <c>PipelineWindow = Infinite</c> sends any.
/// </summary>
public class PipelineTests
{
    [Fact]
    public async Task ManyCalls_PipelinedOnOneWorker_AllCompleteWithTheirOwnResults()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => (o.PipelineDepth, o.PipelineWindow) = (4, Timeout.InfiniteTimeSpan));

        long[] results = await Task.WhenAll(Enumerable.Range(0, 500).Select(i => pool.RunAsync(x => (long)x * x, i))).Within("pipelined calls");

        Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i * i), results);
    }

    [Fact]
    public async Task WorkerCrashes_CallsWaitingBehindItRunOnTheReplacement_OnlyTheRunningCallFails()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => (o.PipelineDepth, o.PipelineWindow) = (3, Timeout.InfiniteTimeSpan));
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
        await using WorkerPool pool = TestPools.Process(workers: 1, o => (o.PipelineDepth, o.PipelineWindow) = (2, Timeout.InfiniteTimeSpan));
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
    public async Task CallStoppedAsItFinishes_TheCallBegunNextInItsWorker_RunsAgainInsteadOfTakingItsVerdict()
    {
        // A stop that kills a worker (a timeout, a cluster caller's kill) can cross the call's result: the worker had
        // finished it and begun the next call sent ahead. That call did nothing to be stopped for; it runs again.
        await using WorkerPool pool = TestPools.Process(workers: 1, o => (o.PipelineDepth, o.PipelineWindow) = (2, Timeout.InfiniteTimeSpan));
        int firstPid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");
        using SharedEvent finishFirst = SharedEvent.Create();
        using SharedEvent secondBegun = SharedEvent.Create();
        using SharedEvent finishSecond = SharedEvent.Create();

        Task<int> first = pool.RunAsync(WaitForRelease, finishFirst);
        Task<int> second = pool.RunAsync(SignalThenWaitForRelease, secondBegun, finishSecond);
        await Bounded.Eventually(() => pool.GetWorkers() is [{ CallsHeld: 2 }], "both calls held by the worker");
        var worker = (Spindle.Processes.ProcessWorker)pool.CurrentWorkers().Single();
        PendingCall stopped = worker.Running!;

        // The worker's results wait to be read while the first call ends, the second begins, and the stop goes out.
        using (worker.HoldResultsForTests())
        {
            finishFirst.Set();
            Assert.True(secondBegun.TryWait(Bounded.Unexpected), "The second call never began.");
            worker.StopCall(stopped, static c => c.TryCancel());
        }

        finishSecond.Set();
        Assert.Equal(firstPid, await first.Within("the first call, answered before its worker died"));
        int secondPid = await second.Within("the second call, run again");
        Assert.NotEqual(firstPid, secondPid);
    }

    [Fact]
    public async Task ShortCalls_AreSentAheadToABusyWorker_ByDefault()
    {
        // A generous window: what is tested is that known-short calls go ahead, not how short they are on this machine.
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.PipelineWindow = TimeSpan.FromSeconds(1));
        using SharedEvent gate = SharedEvent.Create();
        for (int i = 0; i < 20; i++)
        {
            await pool.RunAsync(GatedCall, gate, false).Within("a call that teaches the pool this method is short");
        }

        Task<int> held = pool.RunAsync(GatedCall, gate, true);
        Task<int>[] behind = [.. Enumerable.Range(0, 3).Select(_ => pool.RunAsync(GatedCall, gate, false))];

        // All four are in the one worker while the first waits: the others were sent ahead, not kept in the pool's queue.
        await Bounded.Eventually(() => pool.GetWorkers() is [{ CallsHeld: 4 }], "four calls held by the worker");
        gate.Set();
        int[] results = await Task.WhenAll([held, .. behind]).Within("the held calls");
        Assert.Equal([1, 1, 1, 1], results);
    }

    [Fact]
    public async Task CallOfUnknownLength_NothingIsSentAheadBehindIt_WhileAnotherWorkerIsFree()
    {
        await using WorkerPool pool = TestPools.Process(workers: 2);
        await pool.WarmUpAsync().Within("warm-up");
        for (int i = 0; i < 50; i++)
        {
            await pool.RunAsync(() => Environment.ProcessId).Within("a call that teaches the pool this method is short");
        }

        using SharedEvent release = SharedEvent.Create();
        Task<int> blocked = pool.RunAsync(WaitForRelease, release);
        await Bounded.Eventually(() => pool.GetWorkers().Count(w => w.Busy) == 1, "the blocking call running");
        int blockedPid = pool.GetWorkers().Single(w => w.Busy).Id;

        // Short calls flood in while a call of a method never timed runs: every one goes to the other worker, none
        // waits behind the blocked call (if one did, this would not complete until the release below).
        int[] pids = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => pool.RunAsync(() => Environment.ProcessId))).Within("the short calls");
        Assert.DoesNotContain(blockedPid, pids);
        Assert.Equal(1, pool.GetWorkers().Single(w => w.Id == blockedPid).CallsHeld);

        release.Set();
        Assert.Equal(blockedPid, await blocked.Within("the blocked call"));
    }

    [Fact]
    public async Task LargeArgumentsAndResults_SentAheadBothWays_AllComeBackIntact()
    {
        // Megabyte frames both ways with calls sent ahead: the parent's reader thread must never wait on a send
        // while the worker waits for the parent to read its results.
        await using WorkerPool pool = TestPools.Process(workers: 1, o => (o.PipelineDepth, o.PipelineWindow, o.SharedMemoryThreshold) = (8, Timeout.InfiniteTimeSpan, null));
        byte[][] inputs = [.. Enumerable.Range(0, 24).Select(i => Enumerable.Repeat((byte)i, 1 << 20).ToArray())];

        byte[][] outputs = await Task.WhenAll(inputs.Select(input => pool.RunAsync(bytes => bytes.Reverse().ToArray(), input))).Within("the large calls");

        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(inputs[i], outputs[i]);
        }
    }

    [Fact]
    public void PipelineWindow_NotPositive_ThrowsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPoolOptions { PipelineWindow = TimeSpan.Zero });

        Assert.Equal(nameof(WorkerPoolOptions.PipelineWindow), error.ParamName);
    }

    private static int GatedCall(SharedEvent gate, bool wait)
    {
        if (wait && !gate.TryWait(Bounded.Unexpected))
        {
            throw new TimeoutException("The gate was never opened.");
        }

        return 1;
    }

    private static int SignalThenWaitForRelease(SharedEvent begun, SharedEvent release)
    {
        begun.Set();
        return WaitForRelease(release);
    }

    private static int WaitForRelease(SharedEvent release) =>
        release.TryWait(Bounded.Unexpected) ? Environment.ProcessId : throw new TimeoutException("Never released.");

    [Fact]
    public void PipelineDepth_OutOfRange_ThrowsNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPoolOptions { PipelineDepth = 0 });

        Assert.Equal(nameof(WorkerPoolOptions.PipelineDepth), error.ParamName);
    }
}
