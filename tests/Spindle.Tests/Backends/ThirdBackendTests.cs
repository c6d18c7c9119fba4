using Spindle.Backends;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Backends;

/// <summary>
/// The seam between the pool's front end and where calls run: a backend written here, in a test, plugs in beside
/// threads and processes through <see cref="IWorkerBackend"/> and gets the front end's timeouts, cancellation,
/// supervision and shutdown without any of them knowing it exists.
/// </summary>
public class ThirdBackendTests
{
    [Fact]
    public async Task TestBackend_RunsCalls_AndTheFrontEndDoesTheRest()
    {
        var started = new List<int>();
        await using var pool = new WorkerPool(new WorkerPoolOptions
        {
            Workers = 2,
            Backend = context => new InlineBackend(context.Reports, started),
        });

        int[] results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => pool.RunAsync(x => x * 2, i))).Within("50 calls on the test backend");
        Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 2), results);
        Assert.InRange(started.Count, 1, 2);

        // Front-end behaviour, untouched by the backend: a timeout, then a cancellation, then a call that still runs.
        var timeout = new CallOptions { Timeout = TimeSpan.FromMilliseconds(100) };
        await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(ct => { ct.WaitHandle.WaitOne(); return 0; }, timeout).Within("the timed-out call"));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pool.RunAsync(ct => { ct.WaitHandle.WaitOne(); ct.ThrowIfCancellationRequested(); return 0; }, cancel.Token).Within("the cancelled call"));
        Assert.Equal(7, await pool.RunAsync(() => 7).Within("a call after both"));
    }

    /// <summary>A backend whose workers run each call on a thread-pool thread: the smallest one that does the job.</summary>
    private sealed class InlineBackend(IWorkerReports pool, List<int> started) : IWorkerBackend
    {
        public bool SharesMemory => true;

        public Task<PoolWorker> StartWorkerAsync(int index, CancellationToken cancellationToken)
        {
            lock (started)
            {
                started.Add(index);
            }

            return Task.FromResult<PoolWorker>(new InlineWorker(pool, index));
        }
    }

    private sealed class InlineWorker(IWorkerReports pool, int index) : PoolWorker
    {
        private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private PendingCall? _running;
        private CancellationTokenSource? _cancellation;

        public override int Id => index;

        public override PendingCall? Running => Volatile.Read(ref _running);

        public override Task Exited => _exited.Task;

        public override void Dispatch(PendingCall call)
        {
            _running = call;
            _cancellation = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken);
            ThreadPool.QueueUserWorkItem(_ =>
            {
                pool.ArmTimeout(call, this);
                ((IInlineCall)call).RunHere(_cancellation.Token);
                Volatile.Write(ref _running, null);
                CallsDone++;
                pool.OnCallFinished(this);
                call.DisarmTimers();
                call.Publish();
                pool.Finish(call);
            });
        }

        public override void CancelRunning(PendingCall call) => _cancellation?.Cancel();

        public override void StopCall(PendingCall call, Action<PendingCall> verdict)
        {
            verdict(call);
            _cancellation?.Cancel();
        }

        public override void Retire() => _exited.TrySetResult();

        public override void Kill() => _exited.TrySetResult();
    }
}
