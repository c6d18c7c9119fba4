using Spindle;
using Spindle.Pools;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>A call ended by a cancellation, the caller's or the pool's, ends as a cancelled task, as with <c>Task.Run</c>.</summary>
public class CancelledCallTests
{
    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task TerminateAsync_RunningAndQueuedCalls_EndCanceledNotFaulted(Isolation isolation)
    {
        WorkerPool pool = TestPools.Create(isolation, workers: 1);
        using SharedEvent never = SharedEvent.Create(EventResetMode.ManualReset);
        using var caller = new CancellationTokenSource();
        Task<bool> running = pool.RunAsync(static (SharedEvent e) => e.TryWait(Bounded.Unexpected), never, caller.Token);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the blocked call runs");
        Task<int> queued = pool.RunAsync(() => 1, caller.Token);

        await pool.TerminateAsync().Within("terminate");

        var runningError = await Assert.ThrowsAsync<TaskCanceledException>(() => running.Within("the running call"));
        await Assert.ThrowsAsync<TaskCanceledException>(() => queued.Within("the queued call"));
        Assert.Equal(TaskStatus.Canceled, running.Status);
        Assert.Equal(TaskStatus.Canceled, queued.Status);
        Assert.NotEqual(caller.Token, runningError.CancellationToken);
        never.Set();
    }

    [Fact]
    public async Task TerminateAsync_CallWaitingForRoom_EndsCanceled()
    {
        WorkerPool pool = TestPools.Thread(workers: 1, o =>
        {
            o.MaxQueuedCalls = 1;
            o.CheckProcessBoundary = false;
        });
        using var gate = new ManualResetEventSlim();
        Task<bool> running = pool.RunAsync(() => gate.Wait(Bounded.Unexpected));
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the first call runs");
        Task<int> queued = pool.RunAsync(() => 2);
        Task<int> waiting = pool.RunAsync(() => 3);

        await pool.TerminateAsync().Within("terminate");

        await Assert.ThrowsAsync<TaskCanceledException>(() => waiting.Within("the call waiting for room"));
        Assert.Equal(TaskStatus.Canceled, waiting.Status);
        Assert.Equal(TaskStatus.Canceled, queued.Status);
        Assert.Equal(TaskStatus.Canceled, running.Status);
        gate.Set();
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task CallerCancellation_DelegateIgnoresTheToken_EndsCanceledWithTheCallersToken(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 1, o => o.CancellationGracePeriod = TimeSpan.FromMilliseconds(100));
        using SharedEvent never = SharedEvent.Create(EventResetMode.ManualReset);
        using var caller = new CancellationTokenSource();
        Task<bool> deaf = pool.RunAsync(static (SharedEvent e) => e.TryWait(Bounded.Unexpected), never, caller.Token);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the deaf call runs");

        await caller.CancelAsync();

        var error = await Assert.ThrowsAsync<TaskCanceledException>(() => deaf.Within("the deaf call"));
        Assert.Equal(TaskStatus.Canceled, deaf.Status);
        Assert.Equal(caller.Token, error.CancellationToken);
        never.Set();
        Assert.Equal(5, await pool.RunAsync(() => 5).Within("a call after the cancellation"));
    }
}
