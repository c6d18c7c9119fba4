using System.Diagnostics;
using Spindle.Backends;
using Spindle;
using Spindle.Pools;

namespace Spindle.Threads;

/// <summary>
/// A worker of a thread-isolated pool: runs handed-over calls in this process, on .NET thread-pool threads, one at
/// a time, with no serialization. A call queued from a thread-pool thread runs on that same thread once the caller
/// awaits (the local queue), so a call costs about what <c>Task.Run</c> does.
/// </summary>
/// <remarks>
/// A thread cannot be killed, so a call that must end (timed out, cancelled, terminated) is ended from outside: its
/// task completes at once and its token is cancelled. If the delegate has not returned
/// <see cref="WorkerPoolOptions.CancellationGracePeriod"/> later (at once, on a terminate), the worker is
/// <em>abandoned</em>: its thread stays blocked in the delegate, the dispatcher replaces the worker, and whatever the
/// delegate does when it returns is dropped. Which of "returned" and "abandoned" happens first is settled by one
/// compare-and-swap on the running call.
/// </remarks>
internal sealed class ThreadWorker : PoolWorker, IThreadPoolWorkItem
{
    private readonly IWorkerReports _pool;
    private readonly int _index;
    private readonly TimeSpan _gracePeriod;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PendingCall? _next;
    private PendingCall? _running;
    private CancellationTokenSource? _cancellation;
    private long _cancelledAt;
    private int _retiring;
    private int _killed;

    public ThreadWorker(IWorkerReports pool, int index, int poolWorkers, TimeSpan gracePeriod)
    {
        _pool = pool;
        _index = index;
        _gracePeriod = gracePeriod;
        ThreadReserve.EnsureThreadsFor(poolWorkers);
    }

    /// <summary>The worker's number in its pool (calls run on whichever thread-pool thread is free).</summary>
    public override int Id => _index;

    public override Task Exited => _exited.Task;

    public override PendingCall? Running => Volatile.Read(ref _running);

    /// <summary>The managed thread running the current call, or the abandoned one.</summary>
    public int ThreadId { get; private set; }

    public override string Description => $"worker {_index} (thread {ThreadId})";

    public override void Dispatch(PendingCall call)
    {
        Volatile.Write(ref _next, call);
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    public override void CancelRunning(PendingCall call)
    {
        if (Running != call)
        {
            return;
        }

        // The grace period counts from the first cancellation: a cancelled call's grace has begun before it is stopped.
        Interlocked.CompareExchange(ref _cancelledAt, Stopwatch.GetTimestamp(), 0);
        try
        {
            _cancellation?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished as the cancellation came in.
        }
    }

    public override void StopCall(PendingCall call, Action<PendingCall> verdict)
    {
        if (Running != call)
        {
            return;
        }

        // The verdict first: the caller's task ends now, whatever the delegate does; once cancelled, it may return at once.
        verdict(call);
        CancelRunning(call);
        TimeSpan left = _gracePeriod - Stopwatch.GetElapsedTime(Volatile.Read(ref _cancelledAt));
        if (left <= TimeSpan.Zero)
        {
            Abandon(call);
        }
        else
        {
            call.ArmGrace(left, () => Abandon(call));
        }
    }

    public override void Retire()
    {
        Interlocked.Exchange(ref _retiring, 1);
        if (Running is null)
        {
            _exited.TrySetResult();
        }
    }

    public override void Kill()
    {
        Interlocked.Exchange(ref _killed, 1);
        Interlocked.Exchange(ref _retiring, 1);
        if (Interlocked.Exchange(ref _next, null) is { } notStarted)
        {
            // Handed over, not started: it never will be.
            notStarted.TryCancelByPool();
            _pool.Finish(notStarted);
        }

        if (Running is { } call)
        {
            Abandon(call);
        }
        else
        {
            _exited.TrySetResult();
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        PendingCall? call = Interlocked.Exchange(ref _next, null);
        if (call is null)
        {
            return;
        }

        ThreadId = Environment.CurrentManagedThreadId;
        Volatile.Write(ref _cancelledAt, 0);

        // Nothing can cancel a call without a token or a timeout: it gets no cancellation source, the common fast path.
        bool cancellable = call.CancellationToken.CanBeCanceled || call.Timeout is not null;
        using CancellationTokenSource? cancellation = cancellable ? CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken) : null;
        _cancellation = cancellation;

        // Published with a full fence before _killed is read, as Kill writes _killed before it reads Running: one of
        // the two sees the other, so a terminate never misses a call about to start.
        Interlocked.Exchange(ref _running, call);
        bool killed = Volatile.Read(ref _killed) != 0;
        if (!killed)
        {
            // A call's timeout starts when its worker starts it: now.
            _pool.ArmTimeout(call, this);
            ((IInlineCall)call).RunHere(cancellation?.Token ?? CancellationToken.None);
        }

        _cancellation = null;
        if (Interlocked.CompareExchange(ref _running, null, call) != call)
        {
            // Abandoned while the delegate ran: the call ended long ago, and the worker was replaced. Only the thread comes back.
            ThreadReserve.Release();
            _pool.OnAbandonedWorkerReturned(this);
            return;
        }

        if (killed)
        {
            // The pool was terminated before the call started.
            call.TryCancelByPool();
        }

        CallsDone++;
        _pool.OnCallFinished(this);
        if (Volatile.Read(ref _retiring) != 0)
        {
            _exited.TrySetResult();
        }

        // The worker is free again, so the caller's continuation may run inline on this thread: its timers go first (a
        // long continuation must not see its call time out), the dispatcher's bookkeeping last (a drain ends only once
        // every task is complete).
        call.DisarmTimers();
        call.Publish();
        _pool.Finish(call);
    }

    /// <summary>Gives up on <paramref name="call"/>'s thread, unless the delegate has returned meanwhile.</summary>
    private void Abandon(PendingCall call)
    {
        // A thread-pool thread stays blocked: keep one more ready in its place (given back when the delegate returns).
        ThreadReserve.Hold();
        if (Interlocked.CompareExchange(ref _running, null, call) != call)
        {
            ThreadReserve.Release();
            return;
        }

        AbandonedCallId = call.Id;
        AbandonedAt = DateTimeOffset.UtcNow;
        _pool.OnWorkerExited(this, exit: null, WorkerExitReason.Abandoned, call, verdict: null);
        _exited.TrySetResult();
    }
}
