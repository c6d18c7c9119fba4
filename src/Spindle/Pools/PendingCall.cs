using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Wire;
using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>
/// One call from the moment it is accepted until its task completes: queued, then running on a worker. Holds what
/// either isolation needs — the encoded frame for a process, the typed delegate for a thread.
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

    public CancellationTokenRegistration CancellationRegistration { get; set; }

    /// <summary>Frames up to this size are copied into an array of their own: a pooled buffer per call in flight would drain the pool.</summary>
    private const int SmallFrameBytes = 4096;

    private WireWriter? _frameOwner;

    /// <summary>Process isolation: the call frame, built at the call site.</summary>
    public ReadOnlyMemory<byte> Frame { get; private set; }

    /// <summary>Keeps the frame <paramref name="writer"/> holds; true if the call took the writer itself (a large frame).</summary>
    public bool TakeFrame(WireWriter writer)
    {
        if (writer.Length <= SmallFrameBytes)
        {
            Frame = writer.WrittenSpan.ToArray();
            return false;
        }

        Frame = writer.WrittenMemory;
        _frameOwner = writer;
        return true;
    }

    /// <summary>Process isolation: how long calls of this method run, from earlier calls.</summary>
    public CallProfile? Profile { get; set; }

    /// <summary>Process isolation: the run time expected when it was sent (<see cref="CallProfile.Unknown"/> if none).</summary>
    public long EstimateTicks { get; set; } = CallProfile.Unknown;

    /// <summary>Process isolation: the type the worker encodes the result as.</summary>
    public Type WireResultType { get; set; } = typeof(object);

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
    /// Thread isolation: run the delegate on the current thread and keep its outcome (see <see cref="Publish"/>). The
    /// delegate runs under the <see cref="ExecutionContext"/> its caller had when it submitted the call, as with
    /// <c>Task.Run</c>; the pool's own bookkeeping around it does not (see <see cref="CallerContext"/>).
    /// </summary>
    public abstract void RunHere(CancellationToken cancellationToken);

    /// <summary>
    /// Completes the task with the kept outcome. Called after the worker was freed, on a thread-pool thread (or, for a
    /// lone call, the reader that read its result), so the caller's continuation may run right here.
    /// </summary>
    public abstract void Publish();

    /// <summary>How the call ended, for metrics: ok, cancelled, crashed, timeout or failed.</summary>
    public abstract string Outcome { get; }

    /// <summary>Process isolation: keep the outcome a result frame carries (see <see cref="Publish"/>).</summary>
    public abstract void ReadFromWire(ReadOnlySpan<byte> payload, ValueCodec codec, int workerProcessId);

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

    public void ReleaseFrame()
    {
        Frame = default;
        Interlocked.Exchange(ref _frameOwner, null)?.Dispose();
    }

    private int _finished;
}

/// <summary>
/// Runs a delegate with its arguments on the calling thread. A static lambda per call shape, so a call allocates no
/// closure for it (and process isolation, which never runs it here, builds nothing).
/// </summary>
internal delegate TResult InlineInvoker<TResult>(Delegate fn, object?[] args, CancellationToken cancellationToken);

/// <summary>A pending call whose task yields <typeparamref name="TResult"/>.</summary>
internal sealed class PendingCall<TResult> : PendingCall
{
    private readonly TaskCompletionSource<TResult> _completion;
    private readonly InlineInvoker<TResult>? _inline;
    private readonly Delegate? _fn;
    private readonly object?[]? _args;

    /// <summary>Thread isolation: the caller's context, captured at submit; null when the caller suppressed its flow.</summary>
    private readonly ExecutionContext? _callersContext;

    /// <summary>The token of the call this thread is running under its caller's context (a field of every call would cost 8 bytes each).</summary>
    [ThreadStatic]
    private static CancellationToken t_runToken;
    private TResult? _result;
    private Exception? _error;
    private bool _canceled;

    /// <summary>A call of <paramref name="fn"/> with <paramref name="args"/>; <paramref name="inline"/> runs it here (thread isolation only).</summary>
    public PendingCall(InlineInvoker<TResult>? inline, Delegate? fn, object?[]? args, CancellationToken cancellationToken)
        : base(cancellationToken)
    {
        _inline = inline;
        _fn = fn;
        _args = args;
        if (inline is not null)
        {
            _callersContext = ExecutionContext.Capture();
        }

        // Continuations may run inline where the task completes: a thread-pool thread (results are published there in
        // batches), a worker's reader for a lone call (watched: see ResultReader), a caller's Cancel(), or the thread
        // worker that just freed itself.
        _completion = new(TaskCreationOptions.None);
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

    public override void RunHere(CancellationToken cancellationToken)
    {
        if (_callersContext is null)
        {
            Invoke(cancellationToken);
            return;
        }

        t_runToken = cancellationToken;
        ExecutionContext.Run(_callersContext, static state => ((PendingCall<TResult>)state!).Invoke(t_runToken), this);
    }

    private void Invoke(CancellationToken cancellationToken)
    {
        try
        {
            _result = _inline!(_fn!, _args!, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _canceled = true;
        }
        catch (Exception e)
        {
            _error = e;
        }
    }

    public override void Publish()
    {
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

    public override void ReadFromWire(ReadOnlySpan<byte> payload, ValueCodec codec, int workerProcessId)
    {
        try
        {
            var reader = new WireReader(payload);
            reader.ReadInt64();
            if (reader.ReadByte() == CallRunner.Returned)
            {
                _result = (TResult)codec.Read(ref reader, WireResultType)!;
                return;
            }

            RemoteException remote = RemoteError.Read(ref reader, workerProcessId);
            bool cancelled = remote.RemoteType == typeof(OperationCanceledException).FullName || remote.RemoteType == typeof(TaskCanceledException).FullName;
            if (cancelled && CancellationToken.IsCancellationRequested)
            {
                _canceled = true;
                return;
            }

            _error = remote;
        }
        catch (Exception e) when (e is InvalidDataException or ProcessBoundaryException or InvalidCastException or TypeLoadException)
        {
            _error = new SpindleException($"The result of call {Id} could not be read: {e.Message}", e);
        }
    }

    public override bool TryFail(Exception exception) => _completion.TrySetException(exception);

    public override bool TryCancel() => _completion.TrySetCanceled(CancellationToken);

    public override bool TryCancelByPool() => _completion.TrySetCanceled(CancelledByPool);
}
