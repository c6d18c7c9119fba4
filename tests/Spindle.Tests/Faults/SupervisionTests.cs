using System.Diagnostics;
using System.Diagnostics.Metrics;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Faults;

public class SupervisionTests
{
    [Fact]
    public async Task CallTimeout_ProcessStuckInALoop_FailsWithTimeoutAndTheWorkerIsReplaced()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.CallTimeout = TimeSpan.FromMilliseconds(500));
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");

        var error = await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(() =>
        {
            while (true)
            {
                Thread.SpinWait(1000);
            }
        }).Within("stuck call"));

        Assert.Equal(TimeSpan.FromMilliseconds(500), error.Timeout);
        Assert.Contains("CallTimeout", error.Message, StringComparison.Ordinal);
        int replacement = await pool.RunAsync(() => Environment.ProcessId).Within("call after the timeout");
        Assert.NotEqual(pid, replacement);
    }

    [Fact]
    public async Task CallTimeout_PerCallOverridesThePool_AndThreadsAreCancelledCooperatively()
    {
        await using WorkerPool pool = TestPools.Thread(configure: o => o.CheckProcessBoundary = false);
        var observed = new TaskCompletionSource<bool>();

        var error = await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync((int _, CancellationToken ct) =>
        {
            bool cancelled = ct.WaitHandle.WaitOne(Bounded.Unexpected);
            observed.TrySetResult(cancelled);
            return 0;
        }, 0, new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) }).Within("timed-out thread call"));

        Assert.Contains("cannot be killed", error.Message, StringComparison.Ordinal);
        Assert.True(await observed.Task.Within("the thread to see its token"));
    }

    [Fact]
    public async Task CancellationIgnoredByAProcessCall_WorkerIsKilledAfterTheGracePeriod()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.CancellationGracePeriod = TimeSpan.FromMilliseconds(200));
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");
        using var cancel = new CancellationTokenSource();

        Task<int> deaf = pool.RunAsync(_ =>
        {
            Task.Delay(Timeout.Infinite).Wait(); // ignores its token
            return 0;
        }, cancel.Token);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the deaf call runs");
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => deaf.Within("the deaf call"));
        Assert.NotEqual(pid, await pool.RunAsync(() => Environment.ProcessId).Within("call after the kill"));
    }

    [Fact]
    public async Task RetriesOnCrash_CallRunsAgainOnAnotherWorker_AndTheRetryIsReported()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"spindle-retry-{Guid.NewGuid():N}");
        try
        {
            await using WorkerPool pool = TestPools.Process(configure: o => o.RetriesOnCrash = 1);
            var retries = new List<CallRetriedEventArgs>();
            pool.CallRetried += (_, e) => retries.Add(e);

            int pid = await pool.RunAsync(CrashFirstTime, marker).Within("retried call");

            Assert.NotEqual(Environment.ProcessId, pid);
            CallRetriedEventArgs retry = Assert.Single(retries);
            Assert.Equal(2, retry.Attempt);
            Assert.Equal("SIGKILL", retry.CrashedWorker?.SignalName);
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task NoRetries_CrashFailsTheCall()
    {
        string marker = Path.Combine(Path.GetTempPath(), $"spindle-retry-{Guid.NewGuid():N}");
        try
        {
            await using WorkerPool pool = TestPools.Process();

            await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(CrashFirstTime, marker).Within("crashing call"));
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Fact]
    public async Task TooManyCrashes_FaultThePool_LoudlyNamingTheCauseAndTheOptions()
    {
        await using WorkerPool pool = TestPools.Process(configure: o =>
        {
            o.MaxRestarts = 2;
            o.RestartWindow = TimeSpan.FromMinutes(5);
        });

        for (int i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() => { Die.Now(DeathKind.Segfault); return 0; }).Within("crashing call"));
        }

        await Bounded.Eventually(() => pool.State == PoolState.Faulted, "the pool faults");
        var fault = await Assert.ThrowsAsync<PoolFaultedException>(() => pool.Completion.Within("completion"));
        var refused = CallSite.Throws<PoolFaultedException>(() => pool.RunAsync(() => 1));
        Assert.Equal(3, fault.Restarts);
        Assert.Equal(2, fault.MaxRestarts);
        Assert.Equal(TimeSpan.FromMinutes(5), fault.Window);
        Assert.Equal(0, fault.AbandonedThreads);
        Assert.Equal("SIGSEGV", fault.LastExit?.SignalName);
        Assert.Contains("MaxRestarts", refused.Message, StringComparison.Ordinal);
        Assert.Contains("RestartWindow", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MemoryLimit_WorkerThatGoesOver_CrashesWithTheLimitAsCause_AndThePoolServesOn()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.MemoryLimit = 256L << 20);

        var crash = await Assert.ThrowsAsync<WorkerCrashedException>(() => pool.RunAsync(() =>
        {
            var hog = new List<byte[]>();
            for (int i = 0; i < 200; i++)
            {
                var block = new byte[16 << 20];
                block.AsSpan().Fill(1);
                hog.Add(block);
            }

            return hog.Count;
        }).Within("memory hog"));

        Assert.Contains("memory limit", crash.Cause, StringComparison.Ordinal);
        Assert.Equal(3, await pool.RunAsync(() => 3).Within("call after the limit"));
    }

    [Fact]
    public async Task EventsAndMetrics_ReportStartsCrashesAndCalls()
    {
        var measurements = new List<(string Name, long Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Spindle")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                if (tag is { Key: "spindle.pool", Value: "events-test" })
                {
                    lock (measurements)
                    {
                        measurements.Add((instrument.Name, value));
                    }
                }
            }
        });
        listener.Start();
        await using WorkerPool pool = TestPools.Process(configure: o => o.Name = "events-test");
        var started = new List<int>();
        var exited = new List<WorkerExitedEventArgs>();
        pool.WorkerStarted += (_, e) => started.Add(e.WorkerId);
        pool.WorkerExited += (_, e) => exited.Add(e);

        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("first call");
        Process.GetProcessById(pid).Kill();
        await Bounded.Eventually(() => started.Count == 2, "the killed idle worker is replaced");

        WorkerExitedEventArgs death = Assert.Single(exited);
        Assert.Equal(WorkerExitReason.Crashed, death.Reason);
        Assert.Equal(pid, death.WorkerId);
        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Name == "spindle.pool.calls");
            Assert.Contains(measurements, m => m.Name == "spindle.pool.worker.crashes");
            Assert.Contains(measurements, m => m.Name == "spindle.pool.worker.restarts");
        }
    }

    private static int CrashFirstTime(string marker)
    {
        if (!File.Exists(marker))
        {
            File.WriteAllText(marker, "crashed once");
            Die.Now(DeathKind.Sigkill);
        }

        return Environment.ProcessId;
    }
}
