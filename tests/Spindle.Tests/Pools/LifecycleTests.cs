using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Support;
using Spindle.Interop;

namespace Spindle.Tests.Pools;

public class LifecycleTests
{
    [Fact]
    public async Task ProcessPool_WarmWorkers_AreReusedAcrossCalls()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);

        var pids = new HashSet<int>();
        for (int i = 0; i < 20; i++)
        {
            pids.Add(await pool.RunAsync(() => Environment.ProcessId).Within("call"));
        }

        Assert.Single(pids);
        Assert.DoesNotContain(Environment.ProcessId, pids);
    }

    [Fact]
    public async Task ThreadPool_RunsInThisProcess_SharingMemory()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 2, configure: o => o.CheckProcessBoundary = false);
        var seen = new List<int>();

        int pid = await pool.RunAsync(() =>
        {
            seen.Add(1);
            return Environment.ProcessId;
        }).Within("thread call");

        Assert.Equal(Environment.ProcessId, pid);
        Assert.Single(seen);
    }

    [Fact]
    public async Task ThreadPool_BlockingCallsUpToWorkers_RunAtOnce()
    {
        const int Workers = 8;
        await using WorkerPool pool = TestPools.Thread(workers: Workers, configure: o => o.CheckProcessBoundary = false);
        using var allIn = new CountdownEvent(Workers);

        Task<bool>[] calls = Enumerable.Range(0, Workers).Select(_ => pool.RunAsync(() =>
        {
            allIn.Signal();
            return allIn.Wait(Bounded.Unexpected);
        })).ToArray();

        Assert.All(await Task.WhenAll(calls).Within("blocking calls"), Assert.True);
    }

    [Fact]
    public async Task WarmUp_StartsFirstWorkers_NotReplacements_ThenAKilledOneIsReplaced()
    {
        await using WorkerPool pool = TestPools.Process(workers: 2);
        var started = new List<WorkerStartedEventArgs>();
        pool.WorkerStarted += (_, e) =>
        {
            lock (started)
            {
                started.Add(e);
            }
        };

        await pool.WarmUpAsync().Within("warm-up");
        int victim = pool.GetWorkers()[0].Id;
        Process.GetProcessById(victim).Kill();
        await Bounded.Eventually(() => { lock (started) { return started.Count == 3; } }, "the killed worker is replaced");

        lock (started)
        {
            Assert.All(started.Take(2), e => Assert.False(e.Replacement));
            Assert.True(started[2].Replacement);
        }
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task MaxCallsPerWorker_RecyclesTheWorker(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 1, o => o.MaxCallsPerWorker = 2);
        var started = new List<int>();
        pool.WorkerStarted += (_, e) => started.Add(e.WorkerId);

        var pids = new List<int>();
        for (int i = 0; i < 6; i++)
        {
            pids.Add(await pool.RunAsync(() => Environment.ProcessId).Within("call"));
        }

        await Bounded.Eventually(() => started.Count == 3, "three workers have started");
        Assert.Equal(3, started.Distinct().Count());
        if (isolation == Isolation.Process)
        {
            Assert.Equal(3, pids.Distinct().Count());
            Assert.Equal(pids[0], pids[1]);
            Assert.NotEqual(pids[1], pids[2]);
        }
    }

    [Fact]
    public async Task IdleTimeout_RetiresIdleWorkers_AndNewCallsStartFreshOnes()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.IdleTimeout = TimeSpan.FromMilliseconds(200));
        int first = await pool.RunAsync(() => Environment.ProcessId).Within("first call");

        await Bounded.Eventually(() => pool.GetWorkers().Count == 0, "the idle worker is retired");
        await Bounded.Eventually(() => !Native.ProcessAlive(first), "the retired worker process has exited");
        int second = await pool.RunAsync(() => Environment.ProcessId).Within("call after retirement");

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task WarmUp_StartsEveryWorkerBeforeAnyCall()
    {
        await using WorkerPool pool = TestPools.Process(workers: 2, o => o.WarmUp = true);

        await Bounded.Eventually(() => pool.GetWorkers().Count == 2, "both workers are up");

        Assert.All(pool.GetWorkers(), w => Assert.True(Native.ProcessAlive(w.Id)));
    }

    [Fact]
    public async Task QueueFull_NewCallsWaitForRoom_ThenRun()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1, o =>
        {
            o.MaxQueuedCalls = 1;
            o.CheckProcessBoundary = false;
        });
        using var gate = new ManualResetEventSlim();

        Task<int> running = pool.RunAsync(() => gate.Wait(Bounded.Unexpected) ? 1 : -1);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the first call runs");
        Task<int> queued = pool.RunAsync(() => 2);
        Task<int> waiting = pool.RunAsync(() => 3);
        await Task.Delay(Bounded.Expected);

        Assert.Equal(1, pool.QueueLength);
        Assert.False(waiting.IsCompleted);
        gate.Set();
        Assert.Equal(new[] { 1, 2, 3 }, await Task.WhenAll(running, queued, waiting).Within("all calls"));
    }

    [Fact]
    public async Task DisposeAsync_DrainsEveryAcceptedCall_ThenStopsTheWorkers()
    {
        WorkerPool pool = TestPools.Process(workers: 1);
        Task<int>[] calls = Enumerable.Range(0, 5).Select(i => pool.RunAsync(x =>
        {
            Task.Delay(30).Wait(); // simulated work
            return x;
        }, i)).ToArray();
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");

        await pool.DisposeAsync().AsTask().Within("drain");

        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, await Task.WhenAll(calls).Within("drained calls"));
        await Bounded.Eventually(() => !Native.ProcessAlive(pid), "the worker exits after the drain");
    }

    [Fact]
    public async Task TerminateAsync_KillsWorkersAndFailsRunningAndQueuedCalls()
    {
        WorkerPool pool = TestPools.Process(workers: 1);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");
        Task<int> stuck = pool.RunAsync(() =>
        {
            Task.Delay(Timeout.Infinite).Wait();
            return 0;
        });
        Task<int> queued = pool.RunAsync(() => 1);

        await pool.TerminateAsync().Within("terminate");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuck.Within("stuck call"));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.Within("queued call"));
        Assert.False(Native.ProcessAlive(pid));
    }

    [Fact]
    public async Task Cancellation_QueuedCallIsRemoved_RunningCallIsCancelledCooperatively()
    {
        // A long grace period: this test is about the cooperative path, even on a loaded machine.
        await using WorkerPool pool = TestPools.Process(workers: 1, o => o.CancellationGracePeriod = Bounded.Unexpected);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");
        using var stopRunning = new CancellationTokenSource();
        using var stopQueued = new CancellationTokenSource();

        Task<int> running = pool.RunAsync(ct =>
        {
            ct.WaitHandle.WaitOne(Bounded.Unexpected);
            ct.ThrowIfCancellationRequested();
            return 1;
        }, stopRunning.Token);
        Task<int> queued = pool.RunAsync(() => 2, stopQueued.Token);
        await Bounded.Eventually(() => pool.QueueLength == 1, "the second call is queued");

        await stopQueued.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.Within("queued call"));
        Assert.False(running.IsCompleted);
        await stopRunning.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.Within("running call"));

        Assert.Equal(pid, await pool.RunAsync(() => Environment.ProcessId).Within("call after cancellations"));
    }

    [Fact]
    public async Task WorkerKilledDuringACall_OnlyThatCallFails_AndTheWorkerIsReplaced()
    {
        await using WorkerPool pool = TestPools.Process(workers: 1);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");
        Task<int> doomed = pool.RunAsync(() =>
        {
            Task.Delay(Timeout.Infinite).Wait();
            return 0;
        });
        Task<int> next = pool.RunAsync(() => Environment.ProcessId);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the doomed call runs");

        Process.GetProcessById(pid).Kill();

        var crash = await Assert.ThrowsAsync<Spindle.WorkerCrashedException>(() => doomed.Within("doomed call"));
        Assert.Equal("SIGKILL", crash.Signal);
        int replacement = await next.Within("queued call after the crash");
        Assert.NotEqual(pid, replacement);
    }
}
