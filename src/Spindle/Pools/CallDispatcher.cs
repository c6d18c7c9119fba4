using Spindle.Backends;
using Microsoft.Extensions.Logging;
using Spindle;
using Spindle.Calls;
using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>
/// Matches calls to workers. One lock guards the queue, the idle stack and the worker list, so a call is never
/// queued while a worker sits idle. An idle worker takes a call on the caller's thread (no hop); a finishing
/// worker takes the next queued call on its own thread. Workers start on demand up to the limit, retire after
/// <see cref="WorkerPoolOptions.MaxCallsPerWorker"/> calls or <see cref="WorkerPoolOptions.IdleTimeout"/>, and are
/// replaced when they die.
/// </summary>
/// <remarks>
/// Its state is declared here, all of it; its behaviour is in one file per concept: matching calls to workers (this
/// file), pipelining (CallDispatcher.Pipelining), timeouts and cancellation (CallDispatcher.Timeouts), starting workers
/// (CallDispatcher.WorkerStarts), supervision (CallDispatcher.Supervision), stopping (CallDispatcher.Shutdown) and what
/// it logs (CallDispatcher.Log); what its state says about the pool, read-only (CallDispatcher.Readings).
/// </remarks>
internal sealed partial class CallDispatcher : IWorkerReports
{
    private readonly WorkerPoolOptions _options;

    /// <summary>How much work (by earlier calls' run times) a busy worker may hold ahead of time; <see cref="long.MaxValue"/> for any.</summary>
    private readonly long _pipelineWindowTicks;
    private readonly IWorkerBackend _backend;
    private readonly RestartIntensity _restarts;
    private readonly ILogger _logger;
    private readonly PoolTelemetry _telemetry;
    private readonly Lock _gate = new();
    private readonly CallQueue _queue = new();
    private readonly Stack<PoolWorker> _idle = new();
    private readonly List<PoolWorker> _pipelining = [];
    private readonly List<PoolWorker> _workers = [];
    private readonly HashSet<Task<Exception?>> _startingTasks = [];
    private readonly SemaphoreSlim _space;
    private readonly CancellationTokenSource _stopNow = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Timer? _idleTimer;
    private int _starting;
    private int _workerIndex;
    private int _inFlight;
    private volatile bool _closing;

    // Supervision (CallDispatcher.Supervision): the pool's fault, once workers were lost too often, and its end.
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PoolFaultedException? _fault;

    // Stopping (CallDispatcher.Shutdown). Neither _stopNow nor _space is ever disposed: they hold no OS resource (no
    // timer, no wait handle), and a submit racing the stop, a worker start or a call waiting for room may still touch
    // them; a disposed one would throw there.
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stopBegun;
    private int _terminateBegun;

    /// <summary>True once the workers have been closed: a worker that finishes starting after that is not kept.</summary>
    private bool _workersClosed;

    public CallDispatcher(WorkerPoolOptions options, Func<IWorkerReports, IWorkerBackend> createBackend, ILogger logger, PoolTelemetry telemetry)
    {
        _options = options;
        _pipelineWindowTicks = options.PipelineWindow == Timeout.InfiniteTimeSpan
            ? long.MaxValue
            : (long)(options.PipelineWindow.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        _restarts = new RestartIntensity(options);
        _backend = createBackend(this);
        _logger = logger;
        _telemetry = telemetry;
        _space = new SemaphoreSlim(options.MaxQueuedCalls, options.MaxQueuedCalls);
        if (options.IdleTimeout != Timeout.InfiniteTimeSpan)
        {
            TimeSpan period = TimeSpan.FromTicks(Math.Clamp(options.IdleTimeout.Ticks / 4, TimeSpan.FromMilliseconds(20).Ticks, TimeSpan.FromSeconds(30).Ticks));
            _idleTimer = new Timer(static s => ((CallDispatcher)s!).RetireIdleWorkers(), this, period, period);
        }
    }

    /// <summary>True once a terminate has begun: running calls are cancelled instead of being reported as crashes.</summary>
    public bool Terminated { get; private set; }

    /// <summary>
    /// Whether calls wait in the queue, read without the lock: a hint (a worker's reader watches for a lone call's
    /// result only when nothing else is waiting, so it never takes processor time from a flood).
    /// </summary>
    public bool HasQueuedCalls => _queue.Count > 0;

    /// <summary>
    /// Accepts a call: straight to an idle worker, else into the queue. When the queue is full, the call waits for room
    /// (<paramref name="waitForRoom"/>) or is refused unless a worker can take it now: then this returns false, and
    /// the call, which never entered the pool, is cancelled (nobody holds its task).
    /// </summary>
    public bool Submit(PendingCall call, bool waitForRoom)
    {
        ThrowIfFaulted();
        ObjectDisposedException.ThrowIf(_closing, typeof(WorkerPool));
        if (call.CancellationToken.IsCancellationRequested)
        {
            call.TryCancel();
            call.Release();
            return true;
        }

        Interlocked.Increment(ref _inFlight);
        if (_closing)
        {
            // A stop began between the check above and the count: it may have seen no call in flight and be closing
            // the workers already, so this call must not get in. (Cancelled, so what waits on its task is released.)
            call.TryCancel();
            call.Release();
            CountOut();
            ObjectDisposedException.ThrowIf(true, typeof(WorkerPool));
        }

        if (_space.Wait(0))
        {
            call.HoldsQueueSpace = true;
            Accept(call, mayQueue: true);
        }
        else if (waitForRoom)
        {
            _ = SubmitWhenRoomAsync(call);
        }
        else if (!Accept(call, mayQueue: false))
        {
            call.TryCancel();
            call.Release();
            CountOut();
            return false;
        }

        return true;
    }

    /// <summary>
    /// A worker finished a call and is free: give it the next call, retire it, or park it idle. (The call's own
    /// bookkeeping, <see cref="Finish"/>, comes once its task is complete.)
    /// </summary>
    public void OnCallFinished(PoolWorker worker) => TakeNextOrPark(worker);

    private async Task SubmitWhenRoomAsync(PendingCall call)
    {
        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, _stopNow.Token);
            await _space.WaitAsync(both.Token).ConfigureAwait(false);
            call.HoldsQueueSpace = true;
        }
        catch (OperationCanceledException)
        {
            if (_stopNow.IsCancellationRequested)
            {
                // Terminated before the call could be queued.
                call.TryCancelByPool();
            }
            else
            {
                call.TryCancel();
            }

            Finish(call);
            return;
        }

        Accept(call, mayQueue: true);
    }

    /// <summary>
    /// Hands the call to a worker free now, or queues it (<paramref name="mayQueue"/>; false when no worker is free and
    /// it may not queue: the queue is full and the caller does not wait).
    /// </summary>
    private bool Accept(PendingCall call, bool mayQueue)
    {
        PoolWorker? worker = null;
        bool terminated;
        lock (_gate)
        {
            terminated = Terminated;
            worker = terminated ? null : PopIdleLocked() ?? TakePipeliningLocked(call);
            if (worker is not null)
            {
                call.RunningOn = worker;
                if (worker.InFlight + 1 < worker.Capacity && !worker.InPipelining)
                {
                    // Pipelined: it can take more while this call runs.
                    worker.InPipelining = true;
                    _pipelining.Add(worker);
                }
            }
            else if (!terminated)
            {
                if (!mayQueue)
                {
                    return false;
                }

                _queue.AddLast(call);
                if (_workers.Count + _starting < _options.Workers && _starting < _queue.Count)
                {
                    _starting++;

                    // The worker serves every caller for as long as it lives: it must not carry this one's context.
                    using (CallerContext.Suppress())
                    {
                        AddWorkerLocked(replacing: false);
                    }
                }
            }
        }

        if (terminated)
        {
            // Accepted as a terminate took the queue: nothing would ever run it.
            ReleaseSpace(call);
            call.TryCancelByPool();
            Finish(call);
            return true;
        }

        if (call.CancellationToken.CanBeCanceled)
        {
            call.CancellationRegistration = call.CancellationToken.UnsafeRegister(s => OnCancelRequested((PendingCall)s!), call);
        }

        if (worker is not null)
        {
            ReleaseSpace(call);
            DispatchTo(worker, call);
        }

        return true;
    }

    /// <summary>Hands a call to the worker it was matched with (the worker starts its timeout when it starts it).</summary>
    private void DispatchTo(PoolWorker worker, PendingCall call)
    {
        if (call.Telemetry is { } telemetry)
        {
            _telemetry.Dispatched(call, telemetry, worker);
        }

        worker.Dispatch(call);
    }

    private void TakeNextOrPark(PoolWorker worker)
    {
        PendingCall? first = null;
        List<PendingCall>? more = null;
        bool retire = false;
        lock (_gate)
        {
            if (worker.Removed)
            {
                return;
            }

            int inFlight = worker.InFlight;
            long held = worker.HeldWorkTicks;
            int? max = _options.MaxCallsPerWorker;
            if (_fault is not null || (max is int limit && worker.CallsDone >= limit))
            {
                // Faulted, or recycled after MaxCallsPerWorker: retire once its last call is done.
                if (inFlight == 0)
                {
                    retire = true;
                    RemoveLocked(worker);
                    if (_fault is null && _queue.Count > 0 && !Terminated)
                    {
                        _starting++;
                        AddWorkerLocked(replacing: true);
                    }
                }
            }
            else
            {
                while (_queue.First is { } call && (max is null || worker.CallsDone + inFlight < max) && MayTake(worker, call, inFlight, held))
                {
                    held = CallProfile.Add(held, EstimateOf(call));
                    _queue.RemoveFirst();
                    call.RunningOn = worker;
                    if (first is null)
                    {
                        first = call;
                    }
                    else
                    {
                        (more ??= []).Add(call);
                    }

                    inFlight++;
                }

                if (inFlight == 0)
                {
                    worker.IdleSince = Environment.TickCount64;
                    _idle.Push(worker);
                }
                else if (inFlight < worker.Capacity && HasRoomAhead(held) && !worker.InPipelining)
                {
                    worker.InPipelining = true;
                    _pipelining.Add(worker);
                }
            }
        }

        if (first is not null)
        {
            ReleaseSpace(first);
            DispatchTo(worker, first);
            if (more is not null)
            {
                foreach (PendingCall call in more)
                {
                    ReleaseSpace(call);
                    DispatchTo(worker, call);
                }
            }
        }
        else if (retire)
        {
            LogWorkerRecycled(worker.Id, worker.CallsDone);
            worker.Retire();
            _telemetry.Exited(worker.Id, WorkerExitReason.Retired, exit: null);
        }
    }

    /// <summary>The dispatcher's last bookkeeping for a call whose task has completed (or is about to).</summary>
    public void Finish(PendingCall call)
    {
        if (!call.MarkFinished())
        {
            return;
        }

        call.CancellationRegistration.Dispose();
        call.DisarmTimers();
        call.Release();
        _telemetry.Finished(call);
        CountOut();
    }

    /// <summary>One call fewer in flight; the last one out of a closing pool ends the drain.</summary>
    private void CountOut()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && _closing)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Gives back the queue room a call took when it was accepted (a retried call re-enters without taking any).</summary>
    private void ReleaseSpace(PendingCall call)
    {
        if (call.HoldsQueueSpace)
        {
            call.HoldsQueueSpace = false;
            _space.Release();
        }
    }

    private PoolWorker? PopIdleLocked()
    {
        while (_idle.TryPop(out PoolWorker? worker))
        {
            if (!worker.Removed)
            {
                return worker;
            }
        }

        return null;
    }

    private void RemoveLocked(PoolWorker worker)
    {
        worker.Removed = true;
        _workers.Remove(worker);
    }
}
