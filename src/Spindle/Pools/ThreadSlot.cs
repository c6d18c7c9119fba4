namespace Spindle.Pools;

/// <summary>
/// A worker of a thread-isolated pool: runs handed-over calls in this process, on .NET thread-pool threads, one at
/// a time, with no serialization. A call queued from a thread-pool thread runs on that same thread once the caller
/// awaits (the local queue), so a call costs about what <c>Task.Run</c> does. It cannot be killed; cancellation is
/// cooperative only (the seeds' trade-off: threads share the process).
/// </summary>
internal sealed class ThreadSlot : PoolSlot, IThreadPoolWorkItem
{
    private static int _minimumThreads;

    private readonly CallDispatcher _dispatcher;
    private readonly int _index;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PendingCall? _next;
    private CancellationTokenSource? _cancellation;
    private volatile bool _retiring;

    public ThreadSlot(CallDispatcher dispatcher, int index, int poolWorkers)
    {
        _dispatcher = dispatcher;
        _index = index;
        EnsureThreadsFor(poolWorkers);
    }

    /// <summary>The worker's number in its pool (calls run on whichever thread-pool thread is free).</summary>
    public override int Id => _index;

    public override Task Exited => _exited.Task;

    public override void Dispatch(PendingCall call)
    {
        _dispatcher.ArmTimeout(call, this);
        Volatile.Write(ref _next, call);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    public override void CancelRunning(PendingCall call)
    {
        if (Running == call)
        {
            try
            {
                _cancellation?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Finished as the cancellation came in.
            }
        }
    }

    public override void StopCall(PendingCall call, Action<PendingCall> verdict)
    {
        if (Running == call)
        {
            // The verdict first: once cancelled, the delegate may return before it could be applied.
            verdict(call);
            CancelRunning(call);
        }
    }

    public override void Retire()
    {
        _retiring = true;
        if (Running is null)
        {
            _exited.TrySetResult();
        }
    }

    public override void Kill() => Retire();

    void IThreadPoolWorkItem.Execute()
    {
        PendingCall? call = Interlocked.Exchange(ref _next, null);
        if (call is null)
        {
            return;
        }

        if (call.CancellationToken.CanBeCanceled || call.Timeout is not null)
        {
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken);
            _cancellation = cancellation;
            Running = call;
            call.RunHere(cancellation.Token);
            Running = null;
            _cancellation = null;
        }
        else
        {
            // Nothing can cancel this call (no token, no timeout): skip the cancellation source, the common fast path.
            Running = call;
            call.RunHere(CancellationToken.None);
            Running = null;
        }

        CallsDone++;
        _dispatcher.OnCallFinished(this, call);
        if (_retiring && Running is null)
        {
            _exited.TrySetResult();
        }

        // Last: the worker is free again, so the caller's continuation may run inline on this thread.
        call.Publish();
    }

    /// <summary>
    /// Calls may block; the thread pool adds threads slowly past its minimum, so a pool of N workers raises the
    /// minimum to N (never lowers it) — otherwise N blocking calls would start one by one.
    /// </summary>
    private static void EnsureThreadsFor(int workers)
    {
        int current = Volatile.Read(ref _minimumThreads);
        if (workers <= current)
        {
            return;
        }

        ThreadPool.GetMinThreads(out int worker, out int io);
        if (workers > worker)
        {
            ThreadPool.SetMinThreads(workers, io);
        }

        Interlocked.Exchange(ref _minimumThreads, Math.Max(workers, worker));
    }
}
