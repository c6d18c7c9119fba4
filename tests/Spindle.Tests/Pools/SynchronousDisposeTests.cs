using Spindle;
using Spindle.Interop;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary><see cref="WorkerPool.Dispose"/>: the drain of <see cref="WorkerPool.DisposeAsync"/>, for code that can only dispose synchronously.</summary>
public class SynchronousDisposeTests
{
    [Fact]
    public async Task Dispose_DrainsEveryAcceptedCall_ThenStopsTheWorkers()
    {
        WorkerPool pool = TestPools.Process(workers: 1);
        int pid = await pool.RunAsync(() => Environment.ProcessId).Within("pid call");
        Task<int>[] calls = Enumerable.Range(0, 5).Select(i => pool.RunAsync(x =>
        {
            Task.Delay(30).Wait(); // simulated work
            return x;
        }, i)).ToArray();

        await Task.Run(pool.Dispose).Within("dispose");

        Assert.All(calls, call => Assert.True(call.IsCompletedSuccessfully, "Dispose returned before an accepted call finished"));
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, await Task.WhenAll(calls).Within("drained calls"));
        Assert.Equal(PoolState.Stopped, pool.State);
        Assert.Throws<ObjectDisposedException>(() => { _ = pool.RunAsync(() => 1); });
        await pool.DisposeAsync().AsTask().Within("a second dispose, asynchronous");
        await Bounded.Eventually(() => !Native.ProcessAlive(pid), "the worker exits after the drain");
    }

    [Fact]
    public async Task Dispose_OnAThreadWhoseSynchronizationContextNeverRuns_DoesNotDeadlock()
    {
        WorkerPool pool = TestPools.Thread(workers: 1, configure: o => o.CheckProcessBoundary = false);
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();
        Task<int> call = pool.RunAsync(() =>
        {
            running.Set();
            return release.Wait(Bounded.Unexpected) ? 42 : -1;
        });
        Assert.True(running.Wait(Bounded.Unexpected), "the call did not start");
        var disposed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        // Like a UI thread: whatever is posted to its context waits for this thread, which is blocked in Dispose.
        var thread = new Thread(() =>
        {
            SynchronizationContext.SetSynchronizationContext(new NeverRunContext());
            try
            {
                pool.Dispose();
                disposed.SetResult();
            }
            catch (Exception e)
            {
                disposed.SetException(e);
            }
        }) { IsBackground = true };
        thread.Start();
        await Bounded.Eventually(() => pool.State == PoolState.Draining, "the pool drains");
        release.Set();

        await disposed.Task.Within("Dispose on a thread with a synchronization context");
        Assert.Equal(42, await call.Within("the call in flight"));
        Assert.Equal(PoolState.Stopped, pool.State);
    }

    /// <summary>A synchronization context that drops what is posted to it: a continuation that needed it would never run.</summary>
    private sealed class NeverRunContext : SynchronizationContext
    {
        public override void Post(SendOrPostCallback d, object? state)
        {
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new InvalidOperationException("a send to a blocked thread would deadlock");
    }
}
