using Microsoft.Extensions.Logging;
using Spindle;
using Spindle.Processes;
using Spindle.Sync;
using Spindle.Tests.Support;
using Spindle.Tests.Telemetry;

namespace Spindle.Tests.Pools;

/// <summary>A pool stopped while its warm-up is starting workers: the starts it cancels are a stop, not an error.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class WarmUpStopTests
{
    [Fact]
    public async Task WarmUpAsync_PoolTerminatedWhileWorkerProcessesStart_LogsNoErrorAndTheWarmUpEnds()
    {
        var logs = new CollectingLoggerFactory();
        using SharedSemaphore initializing = SharedSemaphore.Create(initialCount: 0);
        WorkerPool pool = TestPools.Process(workers: 2, o =>
        {
            o.LoggerFactory = logs;
            o.Initializer = () =>
            {
                initializing.Release();
                Thread.Sleep(Bounded.Unexpected);
            };
        });
        Task warming = pool.WarmUpAsync();
        for (int started = 1; started <= 2; started++)
        {
            Assert.True(await initializing.TryWaitAsync(Bounded.Unexpected), $"worker {started} of 2 runs its Initializer");
        }

        await pool.TerminateAsync().Within("the terminate");
        await warming.Within("the warm-up");

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal(2, logs.Entries.Count(e => e.Level == LogLevel.Debug && e.Message.Contains("the pool is stopping", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DisposeAsync_WorkerProcessStillStartingWhenTheCloseGivesUpOnIt_LogsNoErrorAndTheWarmUpEnds()
    {
        // The Initializer outlasts the close's grace for starts (10 s) and returns well after WorkerStartTimeout (30 s).
        var logs = new CollectingLoggerFactory();
        using SharedSemaphore initializing = SharedSemaphore.Create(initialCount: 0);
        WorkerPool pool = TestPools.Process(workers: 1, o =>
        {
            o.LoggerFactory = logs;
            o.Initializer = () =>
            {
                initializing.Release();
                Thread.Sleep(Bounded.Unexpected);
            };
        });
        Task warming = pool.WarmUpAsync();
        Assert.True(await initializing.TryWaitAsync(Bounded.Unexpected), "the worker runs its Initializer");

        await pool.DisposeAsync().AsTask().Within("the graceful stop");
        await warming.Within("the warm-up");

        Assert.DoesNotContain(logs.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Single(logs.Entries, e => e.Level == LogLevel.Debug && e.Message.Contains("the pool is stopping", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WarmUpAsync_WorkerCannotStart_StillLogsAnError()
    {
        var logs = new CollectingLoggerFactory();
        await using WorkerPool pool = TestPools.Process(workers: 1, o =>
        {
            o.LoggerFactory = logs;
            o.Initializer = static () => throw new InvalidOperationException("no model here");
        });

        await Assert.ThrowsAsync<WorkerStartException>(() => pool.WarmUpAsync().Within("the warm-up"));

        CollectingLoggerFactory.Entry failed = Assert.Single(logs.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("could not be started", failed.Message, StringComparison.Ordinal);
    }
}
