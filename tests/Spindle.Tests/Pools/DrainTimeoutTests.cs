using Spindle;
using Spindle.Pools;
using Spindle.Sync;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>A drain has a bound: <see cref="WorkerPoolOptions.DrainTimeout"/>, or a stop's cancellation token.</summary>
public class DrainTimeoutTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);

    [Fact]
    public void DrainTimeout_Default_IsInfinite()
    {
        Assert.Equal(Timeout.InfiniteTimeSpan, new WorkerPoolOptions().DrainTimeout);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void DrainTimeout_NotPositive_ThrowsNamingTheOption(int milliseconds)
    {
        var options = new WorkerPoolOptions();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => options.DrainTimeout = TimeSpan.FromMilliseconds(milliseconds));

        Assert.Equal(nameof(WorkerPoolOptions.DrainTimeout), error.ParamName);
        Assert.Contains("DrainTimeout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task DisposeAsync_CallThatNeverEnds_StopsWithinDrainTimeout(Isolation isolation)
    {
        WorkerPool pool = TestPools.Create(isolation, workers: 1, o => o.DrainTimeout = Short);
        var workers = new StartedWorkers(pool);
        using SharedEvent never = SharedEvent.Create(EventResetMode.ManualReset);
        Assert.Equal(7, await pool.RunAsync(static () => 7).Within("a call before the endless one"));
        Task<bool> endless = pool.RunAsync(static (SharedEvent e) => e.TryWait(Bounded.Unexpected), never);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the endless call runs");

        await pool.DisposeAsync().AsTask().Within("a drain bounded by DrainTimeout", Bounded.Prompt);

        await Assert.ThrowsAsync<TaskCanceledException>(() => endless.Within("the endless call"));
        Assert.Equal(PoolState.Stopped, pool.State);
        workers.AssertNoneAlive();
        never.Set();
    }

    [Fact]
    public async Task DisposeAsync_CallsEndingWithinDrainTimeout_AllFinish()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1, o => o.DrainTimeout = TimeSpan.FromSeconds(30));
        Task<int>[] calls = Enumerable.Range(0, 5).Select(i => pool.RunAsync(static x => { Thread.Sleep(20); return x; }, i)).ToArray();

        await pool.DisposeAsync().AsTask().Within("the drain");

        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, await Task.WhenAll(calls).Within("the drained calls"));
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task StopAsync_TokenCancelledDuringTheDrain_Terminates(Isolation isolation)
    {
        WorkerPool pool = TestPools.Create(isolation, workers: 1);
        var workers = new StartedWorkers(pool);
        using SharedEvent never = SharedEvent.Create(EventResetMode.ManualReset);
        Task<bool> endless = pool.RunAsync(static (SharedEvent e) => e.TryWait(Bounded.Unexpected), never);
        Task<int> queued = pool.RunAsync(static () => 1);
        await Bounded.Eventually(() => pool.GetWorkers().Any(w => w.Busy), "the endless call runs");
        using var impatient = new CancellationTokenSource(Short);

        await pool.StopAsync(impatient.Token).Within("a stop whose token ends the drain", Bounded.Prompt);

        await Assert.ThrowsAsync<TaskCanceledException>(() => endless.Within("the endless call"));
        await Assert.ThrowsAsync<TaskCanceledException>(() => queued.Within("the queued call"));
        Assert.Equal(PoolState.Stopped, pool.State);
        workers.AssertNoneAlive();
        never.Set();
    }

    [Fact]
    public async Task StopAsync_DrainEndsBeforeTheToken_EveryCallFinishes()
    {
        WorkerPool pool = TestPools.Thread(workers: 1);
        using var patient = new CancellationTokenSource(Bounded.Unexpected);
        Task<int>[] calls = Enumerable.Range(0, 3).Select(i => pool.RunAsync(static x => { Thread.Sleep(20); return x; }, i)).ToArray();

        await pool.StopAsync(patient.Token).Within("the stop");

        Assert.Equal(new[] { 0, 1, 2 }, await Task.WhenAll(calls).Within("the drained calls"));
        Assert.Equal(PoolState.Stopped, pool.State);
        CallSite.Throws<ObjectDisposedException>(() => pool.RunAsync(() => 1));
    }
}
