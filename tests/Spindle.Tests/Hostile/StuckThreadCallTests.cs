using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// Thread-isolated calls whose delegates never return. A thread cannot be killed, but the pool must not be stuck:
/// the call ends, its thread is abandoned (and shown as such), a new worker serves the next calls, and the pool stops
/// in bounded time. Each test releases its blocked delegates at the end so no thread outlives it.
/// </summary>
public class StuckThreadCallTests
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ShortGrace = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task CallTimeout_DelegateBlockedForever_FailsWithTimeoutAndTheThreadIsShownAbandoned()
    {
        using var never = new ManualResetEventSlim();
        WorkerPool pool = StuckPool();
        var exits = new List<WorkerExitedEventArgs>();
        pool.WorkerExited += (_, e) =>
        {
            lock (exits)
            {
                exits.Add(e);
            }
        };

        try
        {
            DateTimeOffset before = DateTimeOffset.UtcNow;
            var error = await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(() =>
            {
                never.Wait();
                return 0;
            }).Within("the blocked call"));
            Assert.Equal(ShortTimeout, error.Timeout);
            Assert.Contains("CancellationGracePeriod", error.Message, StringComparison.Ordinal);

            await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Abandoned), "the blocked thread is abandoned");
            WorkerInfo abandoned = Assert.Single(pool.GetWorkers(), w => w.Abandoned);
            Assert.True(abandoned.Busy);
            Assert.NotNull(abandoned.AbandonedCallId);
            Assert.InRange(abandoned.AbandonedAt!.Value, before, DateTimeOffset.UtcNow);
            lock (exits)
            {
                Assert.Equal(WorkerExitReason.Abandoned, Assert.Single(exits).Reason);
                Assert.Equal(abandoned.Id, exits[0].WorkerId);
            }
        }
        finally
        {
            never.Set();
        }

        await Bounded.Eventually(() => pool.GetWorkers().All(w => !w.Abandoned), "the released thread is no longer listed");
        await pool.DisposeAsync().AsTask().Within("dispose");
    }

    [Fact]
    public async Task CallTimeout_DelegateBlockedForever_TheNextCallRunsOnANewWorker()
    {
        using var never = new ManualResetEventSlim();
        WorkerPool pool = StuckPool();
        try
        {
            await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(() =>
            {
                never.Wait();
                return 0;
            }).Within("the blocked call"));

            Assert.Equal(42, await pool.RunAsync(() => 42).Within("a call after the blocked one"));
            WorkerInfo[] workers = [.. pool.GetWorkers()];
            Assert.Single(workers, w => w.Abandoned);
            Assert.Single(workers, w => !w.Abandoned);
            Assert.Equal(PoolState.Running, pool.State);
        }
        finally
        {
            never.Set();
            await pool.DisposeAsync().AsTask().Within("dispose");
        }
    }

    [Fact]
    public async Task DisposeAsync_AfterAThreadCallTimedOut_ReturnsWhileItsDelegateIsStillBlocked()
    {
        using var never = new ManualResetEventSlim();
        WorkerPool pool = StuckPool();
        try
        {
            await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(() =>
            {
                never.Wait();
                return 0;
            }).Within("the blocked call"));

            await pool.DisposeAsync().AsTask().Within("dispose while the abandoned thread is still blocked", Bounded.Prompt);

            Assert.Equal(PoolState.Stopped, pool.State);
            Assert.False(never.IsSet);
            Assert.Single(pool.GetWorkers(), w => w.Abandoned);
        }
        finally
        {
            never.Set();
        }
    }

    [Fact]
    public async Task CallTimeout_AsyncDelegateAwaitingATaskThatNeverCompletes_FailsWithTimeoutAndThePoolServesOn()
    {
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        WorkerPool pool = StuckPool();
        try
        {
            await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(async () => await never.Task).Within("the awaiting call"));

            Assert.Equal(7, await pool.RunAsync(() => 7).Within("a call after the awaiting one"));
            Assert.Single(pool.GetWorkers(), w => w.Abandoned);
            await pool.DisposeAsync().AsTask().Within("dispose while the abandoned thread still waits", Bounded.Prompt);
        }
        finally
        {
            never.TrySetResult(0);
        }
    }

    [Fact]
    public async Task Cancellation_DelegateIgnoringItsToken_IsCancelledAfterTheGracePeriodAndANewThreadServes()
    {
        using var never = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();

        // No CallTimeout: on a loaded machine its 200 ms could expire before the cancellation's grace period, and this is about the cancellation.
        WorkerPool pool = StuckPool(o => o.CallTimeout = null);
        try
        {
            Task<int> deaf = pool.RunAsync(_ =>
            {
                never.Wait(); // ignores its token
                return 0;
            }, cancel.Token);
            await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the deaf call runs");
            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => deaf.Within("the deaf call"));
            Assert.Equal(3, await pool.RunAsync(() => 3).Within("a call after the deaf one"));
            Assert.Single(pool.GetWorkers(), w => w.Abandoned);
            await pool.DisposeAsync().AsTask().Within("dispose while the deaf thread is still blocked", Bounded.Prompt);
        }
        finally
        {
            never.Set();
        }
    }

    [Fact]
    public async Task TerminateAsync_WhileADelegateIsBlocked_FailsItsCallAndReturnsAtOnce()
    {
        using var never = new ManualResetEventSlim();
        WorkerPool pool = StuckPool();
        try
        {
            Task<int> blocked = pool.RunAsync(() =>
            {
                never.Wait();
                return 0;
            }, new CallOptions { Timeout = Bounded.Unexpected });
            await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the blocked call runs");

            await pool.TerminateAsync().Within("terminate with a blocked thread", Bounded.Prompt);

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked.Within("the blocked call"));
            Assert.Equal(PoolState.Stopped, pool.State);
            Assert.Single(pool.GetWorkers(), w => w.Abandoned);
        }
        finally
        {
            never.Set();
        }
    }

    [Fact]
    public async Task AbandonedThreads_MoreThanMaxRestartsStillBlocked_FaultThePoolNamingTheOption()
    {
        using var never = new ManualResetEventSlim();

        // A window far shorter than the calls: only "still blocked" keeps the first abandoned thread counted.
        WorkerPool pool = StuckPool(o =>
        {
            o.MaxRestarts = 1;
            o.RestartWindow = TimeSpan.FromMilliseconds(1);
        });
        try
        {
            for (int i = 0; i < 2; i++)
            {
                await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(() =>
                {
                    never.Wait();
                    return 0;
                }).Within("a blocked call"));
                int expected = i + 1;
                await Bounded.Eventually(() => pool.GetWorkers().Count(w => w.Abandoned) == expected, $"{expected} threads are abandoned");
            }

            var fault = await Assert.ThrowsAsync<PoolFaultedException>(() => pool.Completion.Within("completion"));
            Assert.Equal(PoolState.Faulted, pool.State);
            Assert.Equal(2, fault.AbandonedThreads);
            Assert.Contains("MaxRestarts", fault.Message, StringComparison.Ordinal);
            Assert.Contains("abandoned", fault.Message, StringComparison.Ordinal);
            var refused = CallSite.Throws<PoolFaultedException>(() => pool.RunAsync(() => 1));
            Assert.Equal(2, refused.AbandonedThreads);
        }
        finally
        {
            never.Set();
            await pool.DisposeAsync().AsTask().Within("dispose");
        }
    }

    [Fact]
    public async Task AbandonedThread_OnceItReturns_NoLongerCountsTowardMaxRestarts()
    {
        WorkerPool pool = StuckPool(o =>
        {
            o.MaxRestarts = 1;
            o.RestartWindow = TimeSpan.FromMilliseconds(1);
        });
        try
        {
            for (int i = 0; i < 2; i++)
            {
                using var never = new ManualResetEventSlim();
                await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(() =>
                {
                    never.Wait();
                    return 0;
                }).Within("a blocked call"));
                await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Abandoned), "the thread is abandoned");
                never.Set();
                await Bounded.Eventually(() => !pool.GetWorkers().Any(w => w.Abandoned), "the released thread has returned");
            }

            Assert.Equal(PoolState.Running, pool.State);
            Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after two abandoned threads returned"));
        }
        finally
        {
            await pool.DisposeAsync().AsTask().Within("dispose");
        }
    }

    /// <summary>One worker with a short timeout and grace period, so a blocked call is abandoned quickly.</summary>
    private static WorkerPool StuckPool(Action<WorkerPoolOptions>? configure = null) => TestPools.Thread(workers: 1, o =>
    {
        o.CheckProcessBoundary = false;
        o.CallTimeout = ShortTimeout;
        o.CancellationGracePeriod = ShortGrace;
        configure?.Invoke(o);
    });
}
