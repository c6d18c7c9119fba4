using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Wire;
using Spindle.Backends;
using Spindle.Telemetry;

namespace Spindle.Pools;

/// <summary>
/// One call from the moment it is accepted until its task completes: queued, then running on a worker. Holds what the
/// front end needs whatever runs it (queue links, timeouts, retries, its task); how it runs is the concern of its
/// subtype: <see cref="InlineCall{TResult}"/> (run in this process) or <see cref="EncodedCall{TResult}"/> (sent as a frame).
/// </summary>
internal abstract class PendingCall
{
    private static long _nextId;

    protected PendingCall(CancellationToken cancellationToken)
    {
        CancellationToken = cancellationToken;
    }

    public long Id { get; } = Interlocked.Increment(ref _nextId);

    public CancellationToken CancellationToken { get; }

    /// <summary>Whether it is waiting in the dispatcher's <see cref="CallQueue"/>.</summary>
    public bool IsQueued { get; set; }

    /// <summary>The call ahead of it in the queue, while queued.</summary>
    public PendingCall? QueuePrevious { get; set; }

    /// <summary>The call behind it in the queue, while queued.</summary>
    public PendingCall? QueueNext { get; set; }

    /// <summary>The worker running it; null while queued.</summary>
    public PoolWorker? RunningOn { get; set; }

    /// <summary>
    /// How long it ran on its worker process, in <see cref="System.Diagnostics.Stopwatch"/> ticks, once answered: from
    /// when it reached the head of the worker's pipeline to its result (0 when not measured). A cluster agent reports it
    /// to the caller, which bundles calls only while they run short.
    /// </summary>
    public long RanTicks { get; set; }

    public CancellationTokenRegistration CancellationRegistration { get; set; }

    /// <summary>How long calls of this method run, from earlier calls (pipelining sends ahead only calls known to be short).</summary>
    public CallProfile? Profile { get; set; }

    /// <summary>The run time expected when it was sent to a worker (<see cref="CallProfile.Unknown"/> if none).</summary>
    public long EstimateTicks { get; set; } = CallProfile.Unknown;

    public abstract Task Task { get; }

    /// <summary>How long it may run once started; null for no limit.</summary>
    public TimeSpan? Timeout
    {
        // Kept as ticks, 0 for none (a timeout is always positive): a TimeSpan? would take 16 bytes of every call.
        get => _timeoutTicks == 0 ? null : TimeSpan.FromTicks(_timeoutTicks);
        set => _timeoutTicks = value?.Ticks ?? 0;
    }

    private long _timeoutTicks;

    /// <summary>How many times it may run again after its worker crashed.</summary>
    public int RetriesOnCrash { get; set; }

    /// <summary>Whether it holds one unit of the queue's room (<see cref="WorkerPoolOptions.MaxQueuedCalls"/>).</summary>
    public bool HoldsQueueSpace { get; set; }

    /// <summary>Runs so far that ended in a crash.</summary>
    public int CrashedAttempts { get; set; }

    /// <summary>Its span and submission time, when someone listens (see <see cref="CallTelemetry"/>); null otherwise.</summary>
    public CallTelemetry? Telemetry => CallTelemetry.Of(Task);

    /// <summary>Records the call's duration and ends its span, once, just before its task completes (the caller then finds both done).</summary>
    protected void Completing(Exception? error, bool cancelled)
    {
        try
        {
            Telemetry?.Completing(this, error, cancelled);
        }
        catch (Exception)
        {
            // An ActivityListener or MeterListener of the app's threw while the span ended: this runs on the pool's
            // reader thread (or a timer's), where it would end the process; the call's outcome must not depend on it.
        }
    }

    private Timer? _timeoutTimer;
    private Timer? _graceTimer;

    /// <summary>Calls <paramref name="onExpiry"/> after <see cref="Timeout"/> (replacing any earlier timer: a retried call gets a fresh one).</summary>
    public void ArmTimeout(Action onExpiry)
    {
        Interlocked.Exchange(ref _timeoutTimer, null)?.Dispose();
        if (Timeout is { } timeout)
        {
            _timeoutTimer = StartTimer(onExpiry, timeout);
        }
    }

    /// <summary>Calls <paramref name="onExpiry"/> once the grace period after a cancellation has passed.</summary>
    public void ArmGrace(TimeSpan grace, Action onExpiry) =>
        Interlocked.Exchange(ref _graceTimer, StartTimer(onExpiry, grace))?.Dispose();

    /// <summary>A timer that fires once, in the pool's context rather than that of the thread arming it (a caller's, often).</summary>
    private static Timer StartTimer(Action onExpiry, TimeSpan dueTime)
    {
        using (CallerContext.Suppress())
        {
            return new Timer(static s => ((Action)s!)(), onExpiry, dueTime, System.Threading.Timeout.InfiniteTimeSpan);
        }
    }

    public void DisarmTimers()
    {
        Interlocked.Exchange(ref _timeoutTimer, null)?.Dispose();
        Interlocked.Exchange(ref _graceTimer, null)?.Dispose();
    }

    /// <summary>
    /// Completes the task with the kept outcome. Called after the worker was freed, on a thread-pool thread (or, for a
    /// lone call, the reader that read its result), so the caller's continuation may run right here.
    /// </summary>
    public abstract void Publish();

    /// <summary>How the call ended, for metrics: ok, cancelled, crashed, timeout or failed.</summary>
    public abstract string Outcome { get; }

    /// <summary>Ends the call faulted with <paramref name="exception"/> (a cancellation is never a fault: see <see cref="TryCancelByPool"/>).</summary>
    public abstract bool TryFail(Exception exception);

    /// <summary>Ends the call cancelled by its caller: the task's exception carries the caller's token.</summary>
    public abstract bool TryCancel();

    /// <summary>
    /// Ends the call cancelled by the pool (a terminate, or a drain that ran out of time), as <c>Task.Run</c> ends a
    /// cancelled task: <see cref="TaskStatus.Canceled"/>, never faulted. The token the task records is cancelled and is
    /// never a caller's, so a caller can tell its own cancellation from the pool's.
    /// </summary>
    public abstract bool TryCancelByPool();

    /// <summary>The token recorded by calls the pool cancelled (see <see cref="TryCancelByPool"/>).</summary>
    protected static CancellationToken CancelledByPool { get; } = new(canceled: true);

    /// <summary>True the first time only: the dispatcher's bookkeeping for a call happens exactly once.</summary>
    public bool MarkFinished() => Interlocked.Exchange(ref _finished, 1) == 0;

    /// <summary>Gives back what the call holds for its worker once it is finished (an encoded call's frame).</summary>
    public virtual void Release()
    {
    }

    private int _finished;
}

/// <summary>A pending call whose task yields <typeparamref name="TResult"/>: its outcome is kept, then published.</summary>
internal abstract class PendingCall<TResult> : PendingCall
{
    // Continuations may run inline where the task completes: a thread-pool thread (results are published there in
    // batches), a worker's reader for a lone call (watched: see ResultReader), a caller's Cancel(), or the thread
    // worker that just freed itself.
    private readonly TaskCompletionSource<TResult> _completion;
    private TResult? _result;
    private Exception? _error;
    private bool _canceled;

    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="telemetry">What the call carries for observability, null when nobody listens (kept as the task's state).</param>
    protected PendingCall(CancellationToken cancellationToken, CallTelemetry? telemetry)
        : base(cancellationToken)
    {
        _completion = new(telemetry, TaskCreationOptions.None);
    }

    public override Task Task => _completion.Task;

    public Task<TResult> TypedTask => _completion.Task;

    public override string Outcome => _completion.Task.Status switch
    {
        TaskStatus.RanToCompletion => "ok",
        TaskStatus.Canceled => "cancelled",
        TaskStatus.Faulted => _completion.Task.Exception?.InnerException switch
        {
            WorkerCrashedException => "crashed",
            CallTimeoutException => "timeout",
            _ => "failed",
        },
        _ => _canceled ? "cancelled" : _error is null ? "ok" : "failed",
    };

    public override void Publish()
    {
        Completing(_error, _canceled);
        if (_canceled)
        {
            _completion.TrySetCanceled(CancellationToken.IsCancellationRequested ? CancellationToken : new CancellationToken(canceled: true));
        }
        else if (_error is not null)
        {
            _completion.TrySetException(_error);
        }
        else
        {
            _completion.TrySetResult(_result!);
        }
    }

    // Each records the duration and ends the span first, with the outcome it is about to set. Should two racing ends (a result and a timeout's
    // verdict) both try, the first to end the span may not be the one whose outcome the task gets; the task is right.
    public override bool TryFail(Exception exception)
    {
        Completing(exception, cancelled: false);
        return _completion.TrySetException(exception);
    }

    public override bool TryCancel()
    {
        Completing(error: null, cancelled: true);
        return _completion.TrySetCanceled(CancellationToken);
    }

    public override bool TryCancelByPool()
    {
        Completing(error: null, cancelled: true);
        return _completion.TrySetCanceled(CancelledByPool);
    }

    /// <summary>Keeps the result, to publish once the worker is free.</summary>
    protected void KeepResult(TResult result) => _result = result;

    /// <summary>Keeps a failure, to publish once the worker is free.</summary>
    protected void KeepError(Exception error) => _error = error;

    /// <summary>Keeps a cancellation seen by the call itself, to publish once the worker is free.</summary>
    protected void KeepCanceled() => _canceled = true;
}
