using Spindle;
using Spindle.Pools;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

public class QueueFullModeTests
{
    [Fact]
    public void QueueFullMode_Default_IsWait()
    {
        Assert.Equal(QueueFullMode.Wait, new WorkerPoolOptions().QueueFullMode);
    }

    [Fact]
    public void PoolQueueFullException_Created_NamesMaxQueuedCallsAndItsValue()
    {
        var error = new PoolQueueFullException(maxQueuedCalls: 7);

        Assert.IsAssignableFrom<SpindleException>(error);
        Assert.Equal(7, error.MaxQueuedCalls);
        Assert.Contains("MaxQueuedCalls is 7", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task RunAsync_QueueFullWithFail_ThrowsAtTheCallSite_ThenAcceptsOnceThereIsRoom(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 1, o =>
        {
            o.MaxQueuedCalls = 1;
            o.QueueFullMode = QueueFullMode.Fail;
        });
        using SharedEvent gate = SharedEvent.Create(EventResetMode.ManualReset);
        Task<bool> running = pool.RunAsync(static (SharedEvent g) => g.TryWait(Bounded.Unexpected), gate);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the first call runs");
        Task<int> queued = pool.RunAsync(() => 2);
        Assert.Equal(1, pool.QueueLength);

        var error = CallSite.Throws<PoolQueueFullException>(() => pool.RunAsync(() => 3));

        Assert.Equal(1, error.MaxQueuedCalls);
        Assert.Contains("MaxQueuedCalls is 1", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, pool.QueueLength);
        gate.Set();
        Assert.True(await running.Within("the gated call"));
        Assert.Equal(2, await queued.Within("the queued call"));
        Assert.Equal(4, await pool.RunAsync(() => 4).Within("a call once there is room"));
    }

    [Fact]
    public async Task RunAsync_QueueFullWithWait_WaitsForRoomInsteadOfThrowing()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1, o =>
        {
            o.MaxQueuedCalls = 1;
            o.CheckProcessBoundary = false;
        });
        using var gate = new ManualResetEventSlim();
        Task<bool> running = pool.RunAsync(() => gate.Wait(Bounded.Unexpected));
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the first call runs");
        Task<int> queued = pool.RunAsync(() => 2);

        Task<int> waiting = pool.RunAsync(() => 3);
        await Task.Delay(Bounded.Expected);

        Assert.False(waiting.IsCompleted);
        gate.Set();
        Assert.Equal(3, await waiting.Within("the call that waited for room"));
        Assert.True(await running.Within("the gated call"));
        Assert.Equal(2, await queued.Within("the queued call"));
    }

    [Fact]
    public async Task MapAsync_QueueFullWithFail_WaitsForRoom()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1, o =>
        {
            o.MaxQueuedCalls = 1;
            o.QueueFullMode = QueueFullMode.Fail;
        });

        var results = new List<int>();
        await foreach (int square in pool.MapAsync(x => x * x, Enumerable.Range(1, 20), new MapOptions { ChunkSize = 1, MaxChunksInFlight = 8 }))
        {
            results.Add(square);
        }

        Assert.Equal(Enumerable.Range(1, 20).Select(x => x * x), results);
    }
}
