using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

public class TryRunTests
{
    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task TryRun_EveryShapeWithRoom_ReturnsTrueAndRunsTheCall(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 2);

        Assert.True(pool.TryRun(() => 1, out Task<int>? none));
        Assert.True(pool.TryRun(x => x + 1, 1, out Task<int>? one));
        Assert.True(pool.TryRun(async () => { await Task.Yield(); return 3; }, out Task<int>? async));
        Assert.True(pool.TryRun(() => { }, out Task? action));
        Assert.True(pool.TryRun((int _) => { }, 5, out Task? actionOne));
        Assert.True(pool.TryRun(async () => await Task.Yield(), out Task? asyncAction));
        Assert.True(pool.TryRunDelegate((Func<int, int, int>)((a, b) => a * b), [6, 7], out Task<object?>? boxed));

        Assert.Equal(1, await none.Within("Func<TResult>"));
        Assert.Equal(2, await one.Within("Func<T1, TResult>"));
        Assert.Equal(3, await async.Within("Func<Task<TResult>>"));
        await action.Within("Action");
        await actionOne.Within("Action<T1>");
        await asyncAction.Within("Func<Task>");
        Assert.Equal(42, await boxed.Within("a delegate with an argument array"));
    }

    [Theory]
    [InlineData(QueueFullMode.Wait)]
    [InlineData(QueueFullMode.Fail)]
    public async Task TryRun_QueueFull_ReturnsFalseAtOnce_AndTheCallNeverRuns(QueueFullMode mode)
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1, o =>
        {
            o.MaxQueuedCalls = 1;
            o.QueueFullMode = mode;
            o.CheckProcessBoundary = false;
        });
        using var gate = new ManualResetEventSlim();
        int refusedRuns = 0;
        Task<bool> running = pool.RunAsync(() => gate.Wait(Bounded.Unexpected));
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the first call runs");
        Assert.True(pool.TryRun(() => 2, out Task<int>? queued));

        bool accepted = pool.TryRun(() => Interlocked.Increment(ref refusedRuns), out Task<int>? refused);

        Assert.False(accepted);
        Assert.Null(refused);
        Assert.Equal(1, pool.QueueLength);
        gate.Set();
        Assert.True(await running.Within("the gated call"));
        Assert.Equal(2, await queued.Within("the queued call"));
        Assert.True(pool.TryRun(() => 3, out Task<int>? later));
        Assert.Equal(3, await later.Within("a call once there is room"));
        Assert.Equal(0, Volatile.Read(ref refusedRuns));
    }

    [Fact]
    public async Task TryRun_DisposedPool_ThrowsObjectDisposed()
    {
        WorkerPool pool = TestPools.Thread();
        await pool.DisposeAsync();

        Assert.Throws<ObjectDisposedException>(() => pool.TryRun(() => 1, out _));
    }

    [Fact]
    public async Task TryRun_CancelledToken_ReturnsTrueWithACancelledTask()
    {
        await using WorkerPool pool = TestPools.Thread();

        Assert.True(pool.TryRun(() => 1, out Task<int>? task, new CancellationToken(canceled: true)));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.Within("the cancelled call"));
        Assert.True(task.IsCanceled);
    }
}
