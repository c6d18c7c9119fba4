using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Spindle;
using Spindle.Backends;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Shared;
using Spindle.Wire;
using Spindle.Telemetry;

namespace Spindle;

/// <summary>
/// Runs delegates on a pool of worker processes or worker threads — one API, one option to switch.
/// </summary>
/// <remarks>
/// The pool is a front end over a backend (docs/architecture.md walks through every stage):
/// <code>
///  caller ── RunAsync(fn, args) ──► Submit: encode at the call site (bad values fail here, naming the variable)
///                                    ──► CallDispatcher: an idle worker, a busy one with pipeline room, or the queue
///                                          ──► backend's PoolWorker.Dispatch
///                                                ├─ Threads/ThreadWorker:    run on a thread-pool thread, no copy
///                                                └─ Processes/ProcessWorker: frame ─► socket pair ─► worker process
///  Task&lt;TResult&gt; ◄── result / RemoteException / WorkerCrashedException ◄── the worker reports (IWorkerReports);
///                     CallDispatcher.Supervision decides retries, replacements and faults
/// </code>
/// Captured variables are copied into worker processes by value: changes made there do not flow back.
/// Worker processes need Linux; <see cref="Isolation.Thread"/> works on every system, and the constructor throws
/// <see cref="PlatformNotSupportedException"/> for <see cref="Isolation.Process"/> elsewhere.
/// </remarks>
[RequiresUnreferencedCode(DynamicCode.Calls)]
[RequiresDynamicCode(DynamicCode.Calls)]
public sealed partial class WorkerPool : IAsyncDisposable, IDisposable
{
    private readonly WorkerPoolOptions _options;
    private readonly ValueCodec _codec;
    private readonly CallDispatcher _dispatcher;
    private readonly bool _callsShareMemory;
    private readonly PoolTelemetry _telemetry;
    private readonly Lazy<Task> _released;
    private readonly IWorkerBackend _backend;
    private int _disposed;

    /// <summary>Creates a pool; workers start on the first calls (or now, with <see cref="WorkerPoolOptions.WarmUp"/>).</summary>
    public WorkerPool(WorkerPoolOptions? options = null)
    {
        DynamicCode.ThrowIfUnsupported(nameof(WorkerPool), DynamicCode.Calls);
        _options = (options ?? new WorkerPoolOptions()).Clone();
        OptionConflicts.ThrowIfAny(_options);

        _codec = new ValueCodec(_options.CreateSerializer()) { LargeArrayThreshold = _options.SharedMemoryThreshold ?? long.MaxValue };
        ILogger logger = _options.LoggerFactory?.CreateLogger<WorkerPool>() ?? NullLogger<WorkerPool>.Instance;
        _telemetry = new PoolTelemetry(_options.Name, _options.MeterFactory, () => QueueLength, () => _dispatcher?.BusyWorkers ?? 0) { Sender = this };
        IWorkerBackend? backend = null;

        // The pool's timers and workers outlive whoever creates it: they do not carry its ExecutionContext.
        using (CallerContext.Suppress())
        {
            try
            {
                _dispatcher = new CallDispatcher(_options, reports => backend = WorkerBackends.Create(new BackendContext(_options, reports, _codec, logger)), logger, _telemetry);
            }
            catch
            {
                // A backend refused the options (an Initializer that cannot cross): nothing of this pool may stay registered.
                _telemetry.Forget();
                throw;
            }

            _backend = backend!;
            _callsShareMemory = _backend.SharesMemory;
            _released = new Lazy<Task>(ReleaseAsync, LazyThreadSafetyMode.ExecutionAndPublication);
            if (_options.WarmUp)
            {
                // Nobody awaits this warm-up; a failed start is logged where it happens and reaches the calls.
                _ = _dispatcher.WarmUpAsync().ContinueWith(
                    static t => _ = t.Exception,
                    CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }
        }
    }

    /// <summary>Whether calls run in worker processes or on worker threads.</summary>
    public Isolation Isolation => _options.Isolation;

    /// <summary>The most workers this pool runs at once.</summary>
    public int MaxWorkers => _options.Workers;

    /// <summary>The pool's <see cref="WorkerPoolOptions.Name"/>.</summary>
    public string Name => _options.Name;

    /// <summary>Running, faulted, draining or stopped.</summary>
    public PoolState State => _dispatcher.State;

    /// <summary>Completes when the pool has stopped (disposed or terminated); faults with <see cref="PoolFaultedException"/> if workers died too often.</summary>
    public Task Completion => _dispatcher.Completion;

    /// <summary>A worker started (raised on Spindle's threads: keep handlers short).</summary>
    public event EventHandler<WorkerStartedEventArgs>? WorkerStarted
    {
        add => _telemetry.WorkerStarted += value;
        remove => _telemetry.WorkerStarted -= value;
    }

    /// <summary>A worker ended, with the reason and, for a process, how it ended.</summary>
    public event EventHandler<WorkerExitedEventArgs>? WorkerExited
    {
        add => _telemetry.WorkerExited += value;
        remove => _telemetry.WorkerExited -= value;
    }

    /// <summary>A call whose worker crashed is being run again.</summary>
    public event EventHandler<CallRetriedEventArgs>? CallRetried
    {
        add => _telemetry.CallRetried += value;
        remove => _telemetry.CallRetried -= value;
    }

    /// <summary>The backend running this pool's calls (for a backend's own tests).</summary>
    internal IWorkerBackend Backend => _backend;

    /// <summary>Calls waiting for a worker.</summary>
    public int QueueLength => _dispatcher.QueueLength;

    /// <summary>The most calls that may wait for a worker (<see cref="WorkerPoolOptions.MaxQueuedCalls"/>): <see cref="QueueLength"/> at this value is a full queue.</summary>
    public int MaxQueuedCalls => _options.MaxQueuedCalls;

    /// <summary>
    /// Worker restarts that count now toward <see cref="MaxRestarts"/>: crashes within the last
    /// <see cref="WorkerPoolOptions.RestartWindow"/>, plus worker threads abandoned within it or still blocked. One more
    /// than <see cref="MaxRestarts"/> faults the pool.
    /// </summary>
    public int RecentRestarts => _dispatcher.RecentRestarts;

    /// <summary>The most restarts allowed within <see cref="WorkerPoolOptions.RestartWindow"/> (<see cref="WorkerPoolOptions.MaxRestarts"/>).</summary>
    public int MaxRestarts => _options.MaxRestarts;

    /// <summary>The workers running now, then any worker threads abandoned to calls that have not returned (<see cref="WorkerInfo.Abandoned"/>).</summary>
    public IReadOnlyList<WorkerInfo> GetWorkers() => _dispatcher.CurrentWorkers().Select(Describe).ToArray();

    /// <summary>For tests: the workers themselves, as <see cref="GetWorkers"/> lists them.</summary>
    internal IReadOnlyList<PoolWorker> CurrentWorkers() => _dispatcher.CurrentWorkers();

    /// <summary>
    /// Kills one of this pool's worker processes now (SIGKILL), as the dashboard's kill button does, and replaces it as
    /// after a crash (it counts toward <see cref="WorkerPoolOptions.MaxRestarts"/>). A call made the next instant never
    /// goes to it; calls it was running end as after a crash. False when no worker process of this pool has that id
    /// (<see cref="WorkerInfo.Id"/>, its pid): a worker thread cannot be killed.
    /// </summary>
    public bool KillWorker(int workerId) => _dispatcher.KillWorker(workerId);

    /// <summary>
    /// Starts every worker now and waits until all are ready, so the first calls pay no start-up cost. Fails with the
    /// start's own exception (a <see cref="WorkerStartException"/>: a missing worker host, an initializer that threw)
    /// when a worker could not start; the pool stays usable and the next call tries to start another worker.
    /// </summary>
    public Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        using (CallerContext.Suppress())
        {
            return _dispatcher.WarmUpAsync().WaitAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Refuses new calls, lets every accepted call finish, then stops the workers. Safe to call any number of times,
    /// from any thread, also during or after <see cref="TerminateAsync"/>: every call returns once the pool has stopped.
    /// A drain that outlasts <see cref="WorkerPoolOptions.DrainTimeout"/> becomes a terminate.
    /// </summary>
    public ValueTask DisposeAsync() => new(StopCoreAsync(terminate: false));

    /// <summary>
    /// Does what <see cref="DisposeAsync"/> does and blocks until the pool has stopped, for code that can only dispose
    /// synchronously (a <c>using</c> statement, a <c>ServiceProvider</c> disposed with <c>Dispose</c>). Prefer <see cref="DisposeAsync"/>.
    /// </summary>
    /// <remarks>
    /// Like <see cref="DisposeAsync"/> it waits for every accepted call (up to <see cref="WorkerPoolOptions.DrainTimeout"/>),
    /// so calling it from inside one of this pool's own calls waits for itself.
    /// </remarks>
    public void Dispose()
    {
        // The stop runs on the thread pool, so it never needs the caller's thread or synchronization context (a UI
        // thread, a single-threaded scheduler) while that thread is blocked here waiting for it.
        Task.Run(() => StopCoreAsync(terminate: false)).GetAwaiter().GetResult();
    }

    /// <summary>
    /// Drains like <see cref="DisposeAsync"/>; once <paramref name="cancellationToken"/> is cancelled, terminates like
    /// <see cref="TerminateAsync"/>, as a host's <c>IHostedService.StopAsync</c> stops being graceful. Returns once the
    /// pool has stopped; a cancelled token ends the drain, not this wait, so it never throws OperationCanceledException.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task draining = StopCoreAsync(terminate: false);
        if (cancellationToken.CanBeCanceled && !draining.IsCompleted)
        {
            await draining.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!draining.IsCompleted)
            {
                await StopCoreAsync(terminate: true).ConfigureAwait(false);
            }
        }

        await draining.ConfigureAwait(false);
    }

    /// <summary>
    /// Stops at once: queued and running calls are cancelled and worker processes are killed. Threads cannot be
    /// killed: calls running on worker threads end now and their threads are abandoned (see <see cref="Isolation.Thread"/>).
    /// Safe to call any number of times, from any thread; during a <see cref="DisposeAsync"/> it ends the drain.
    /// </summary>
    /// <remarks>
    /// The calls it ends complete as cancelled (<see cref="TaskStatus.Canceled"/>: awaiting one throws
    /// <see cref="TaskCanceledException"/>), as <c>Task.Run</c> does, not faulted. The token their exception carries is
    /// never a caller's, so <c>catch (OperationCanceledException e) when (e.CancellationToken == myToken)</c> tells a
    /// caller's own cancellation from the pool's.
    /// </remarks>
    public Task TerminateAsync() => StopCoreAsync(terminate: true);

    /// <summary>
    /// <c>RunAsync</c>'s path: a full queue makes the call wait for room, or throws <see cref="PoolQueueFullException"/>
    /// (<see cref="WorkerPoolOptions.QueueFullMode"/>); map chunks always wait (the map bounds its own chunks in flight).
    /// </summary>
    internal Task<TResult> Submit<TResult>(Delegate fn, object?[] args, InlineInvoker<TResult> inline, CallFlags flags, CancellationToken cancellationToken, CallOptions? callOptions = null)
    {
        bool waitForRoom = _options.QueueFullMode == QueueFullMode.Wait || (flags & CallFlags.Map) != 0;
        return SubmitCore(fn, args, inline, flags, cancellationToken, callOptions, waitForRoom)
            ?? throw new PoolQueueFullException(_options.MaxQueuedCalls);
    }

    /// <summary>
    /// The one path every public call takes: check or encode at the call site, then hand to the dispatcher. Null when
    /// the queue was full and the call could not wait for room (<paramref name="waitForRoom"/> false).
    /// </summary>
    private Task<TResult>? SubmitCore<TResult>(Delegate fn, object?[] args, InlineInvoker<TResult> inline, CallFlags flags, CancellationToken cancellationToken, CallOptions? callOptions, bool waitForRoom)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ThrowIfDisposed();
        long submittedAt = _telemetry.MeasuresCalls ? Stopwatch.GetTimestamp() : 0;
        if (!SpindleTelemetry.Source.HasListeners())
        {
            return SubmitCall(fn, args, inline, flags, cancellationToken, callOptions, waitForRoom, span: null, submittedAt);
        }

        // The call's span is Activity.Current while the call is built (a thread call captures it as its delegate's
        // current activity), then the caller's own is put back: the span lives on until the call ends.
        Activity? span = CallSpan.Start(_options.Name, _options.Isolation, fn, out Activity? previous);
        try
        {
            return SubmitCall(fn, args, inline, flags, cancellationToken, callOptions, waitForRoom, span, submittedAt);
        }
        catch (Exception e) when (span is { IsStopped: false })
        {
            // Refused at the call site (a value that cannot cross, a stopped pool): the call never started.
            CallSpan.End(span, callId: 0, attempt: 0, e, cancelled: false);
            throw;
        }
        finally
        {
            CallSpan.Restore(previous);
        }
    }

    private Task<TResult>? SubmitCall<TResult>(Delegate fn, object?[] args, InlineInvoker<TResult> inline, CallFlags flags, CancellationToken cancellationToken, CallOptions? callOptions, bool waitForRoom, Activity? span, long submittedAt)
    {
        CallTelemetry? telemetry = span is null && submittedAt == 0 ? null : new CallTelemetry(_telemetry, span, submittedAt);
        PendingCall<TResult> call;
        if (_callsShareMemory)
        {
            if (_options.CheckProcessBoundary)
            {
                CallWriter.Verify(_codec, MethodTemplate.For(fn, nameof(fn)), fn.Target, args, nameof(fn));
            }

            call = new InlineCall<TResult>(inline, fn, args, cancellationToken, telemetry);
        }
        else
        {
            MethodTemplate template = MethodTemplate.For(fn, nameof(fn));
            var encoded = new EncodedCall<TResult>(cancellationToken, telemetry) { Profile = template.Profile };
            call = encoded;
            WireWriter frame = WireWriter.TakeScratch();
            bool callKeepsFrame = false;
            using (ArrayHandoff.Collection handoffs = ArrayHandoff.Begin())
            {
                try
                {
                    CallWriter.Write(frame, _codec, call.Id, flags, template, fn.Target, args, nameof(fn), span is { Recorded: true } ? span : null);
                    if (frame.Length > _options.MaxMessageBytes)
                    {
                        throw new ArgumentException(
                            $"The call's arguments and captured variables take {frame.Length} bytes, more than MaxMessageBytes ({_options.MaxMessageBytes}). " +
                            "Raise WorkerPoolOptions.MaxMessageBytes or send less (for example a file path).", nameof(fn));
                    }

                    callKeepsFrame = encoded.TakeFrame(frame);
                }
                catch
                {
                    handoffs.Taken?.Release();
                    throw;
                }
                finally
                {
                    if (!callKeepsFrame)
                    {
                        WireWriter.ReturnScratch(frame);
                    }
                }

                if (handoffs.Taken is { } held)
                {
                    // Large arrays went through shared memory or stay pinned for the worker to be copied into: keep them
                    // until the call is over for good (retries included).
                    call.TypedTask.ContinueWith(static (_, state) => ((ArrayHandoff.Held)state!).Release(), held, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }
            }

            encoded.WireResultType = (flags & CallFlags.Map) != 0 ? template.ResultType.MakeArrayType() : template.ResultType;
        }

        call.Timeout = callOptions?.Timeout ?? _options.CallTimeout;
        call.RetriesOnCrash = callOptions?.RetriesOnCrash ?? _options.RetriesOnCrash;
        return _dispatcher.Submit(call, waitForRoom) ? call.TypedTask : null;
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

    private async Task StopCoreAsync(bool terminate)
    {
        Volatile.Write(ref _disposed, 1);
        try
        {
            await _dispatcher.StopAsync(terminate).ConfigureAwait(false);
        }
        finally
        {
            await _released.Value.ConfigureAwait(false);
        }
    }

    /// <summary>After the workers are gone, once: the metrics registration, the shared segments, a backend's connections.</summary>
    private async Task ReleaseAsync()
    {
        _telemetry.Forget();
        SegmentCache.Clear();
        if (_backend is IAsyncDisposable owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }
    }

    private WorkerInfo Describe(PoolWorker worker) => worker.AbandonedAt is { } abandonedAt
        ? new WorkerInfo(worker.Id, Isolation, Busy: true, worker.CallsDone, worker.StartedAt) { AbandonedAt = abandonedAt, AbandonedCallId = worker.AbandonedCallId }
        : new WorkerInfo(worker.Id, Isolation, worker.Running is not null, worker.CallsDone, worker.StartedAt) { CallsHeld = worker.InFlight };
}
