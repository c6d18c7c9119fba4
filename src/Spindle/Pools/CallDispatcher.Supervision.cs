using Spindle.Backends;
using Spindle;
using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>
/// Supervision, in one place: when a worker ends, whatever ran it, this decides the fate of the call it was running
/// (retried elsewhere, failed as crashed, ended by the verdict it was killed for, cancelled by a terminate) and of the
/// calls pipelined behind it (back to the front of the queue), replaces the worker while the pool needs it, and
/// faults the pool when workers are lost too often (<see cref="RestartIntensity"/>). Backends only report; they decide
/// nothing.
/// </summary>
internal sealed partial class CallDispatcher
{
    /// <summary>Completes when the pool has stopped; faults with <see cref="PoolFaultedException"/> if it faulted.</summary>
    public Task Completion => _completion.Task;

    public PoolState State =>
        _fault is not null ? PoolState.Faulted
        : _stopped.Task.IsCompleted ? PoolState.Stopped
        : _closing ? PoolState.Draining
        : PoolState.Running;

    private void ThrowIfFaulted()
    {
        if (_fault is { } fault)
        {
            throw new PoolFaultedException(fault.Restarts, fault.Window, _options.MaxRestarts, fault.LastExit, fault.AbandonedThreads);
        }
    }

    /// <summary>
    /// A worker ended. Decides the fate of the call it was running (retry, crash, timeout, cancellation), replaces the
    /// worker when the pool still needs it, and faults the pool when workers die too often.
    /// </summary>
    public void OnWorkerExited(PoolWorker worker, WorkerExit? exit, WorkerExitReason reason, PendingCall? call, Action<PendingCall>? verdict, PendingCall[]? neverStarted = null)
    {
        bool retry = false;
        PoolWorker? retryOn = null;
        PoolFaultedException? fault = null;
        var unstarted = new List<PendingCall>();
        lock (_gate)
        {
            RemoveLocked(worker);

            // Calls pipelined behind the one that was running never started: they go back to the front of the queue,
            // in order, as if never sent (a terminated pool fails them instead).
            for (int i = (neverStarted?.Length ?? 0) - 1; i >= 0; i--)
            {
                PendingCall waiting = neverStarted![i];
                waiting.RunningOn = null;
                if (Terminated)
                {
                    unstarted.Add(waiting);
                }
                else
                {
                    _queue.AddFirst(waiting);
                }
            }

            if (reason == WorkerExitReason.Crashed)
            {
                fault = NotFaulted(_restarts.RecordCrash(Environment.TickCount64, exit));
            }
            else if (reason == WorkerExitReason.Abandoned)
            {
                fault = NotFaulted(_restarts.RecordAbandoned(Environment.TickCount64, worker, Terminated));
            }

            if (call is not null && reason == WorkerExitReason.Crashed && fault is null && _fault is null && !Terminated && call.CrashedAttempts < call.RetriesOnCrash)
            {
                retry = true;
                call.CrashedAttempts++;
                retryOn = PopIdleLocked();
                call.RunningOn = retryOn;
                if (retryOn is null)
                {
                    _queue.AddFirst(call);
                }
            }

            bool needed = !_closing || _queue.Count > 0;
            if (reason is WorkerExitReason.Crashed or WorkerExitReason.KilledForCall or WorkerExitReason.Abandoned && _fault is null && fault is null && !Terminated && needed
                && _workers.Count + _starting < _options.Workers)
            {
                _starting++;
                AddWorkerLocked(replacing: true);
            }
        }

        if (reason == WorkerExitReason.Crashed)
        {
            LogWorkerDied(worker.Id, call is null ? "idle" : "running a call", exit?.Cause ?? "unknown");
        }
        else if (reason == WorkerExitReason.Abandoned && !Terminated)
        {
            LogWorkerAbandoned(call!.Id, worker.Description, _options.CancellationGracePeriod);
        }

        _telemetry.Exited(worker.Id, reason, exit);
        if (retry)
        {
            _telemetry.Retried(call!.Id, call.CrashedAttempts + 1, exit);
            if (retryOn is not null)
            {
                DispatchTo(retryOn, call);
            }
        }
        else if (call is not null)
        {
            switch (reason)
            {
                case WorkerExitReason.KilledForCall:
                    verdict!(call);
                    break;
                case WorkerExitReason.Terminated:
                case WorkerExitReason.Abandoned:
                    // A timeout or a cancellation has given its verdict before abandoning the thread: only a terminate's stands.
                    call.TryCancelByPool();
                    break;
                default:
                    call.TryFail(exit is null ? new SpindleException("The worker ended while running the call.") : new WorkerCrashedException(exit));
                    break;
            }

            Finish(call);
        }

        foreach (PendingCall waiting in unstarted)
        {
            waiting.TryCancelByPool();
            Finish(waiting);
        }

        if (fault is not null)
        {
            EnterFaulted(fault);
        }
    }

    /// <summary>
    /// Kills the worker process <paramref name="workerId"/> at a user's order (the dashboard's "kill"); false when no
    /// worker process of this pool in service has that id. It leaves service under the lock calls are matched under,
    /// before it is signalled: a worker that was idle is handed no call from then on, so a call made the next instant
    /// goes to another worker or a replacement instead of failing with it. Calls it was running end as after a crash.
    /// </summary>
    public bool KillWorker(int workerId)
    {
        ProcessWorker? victim;
        lock (_gate)
        {
            victim = _workers.Find(w => w is ProcessWorker && w.Id == workerId) as ProcessWorker;
            if (victim is not null)
            {
                // Its exit is handled as a crash when it comes (counted, logged, replaced); only the matching stops now.
                RemoveLocked(victim);
            }
        }

        victim?.KillAsCrash();
        return victim is not null;
    }

    /// <summary>An abandoned worker's call returned at last (perhaps before its abandonment was recorded): it no longer counts.</summary>
    public void OnAbandonedWorkerReturned(PoolWorker worker)
    {
        bool wasListed;
        lock (_gate)
        {
            wasListed = _restarts.ReturnedAfterAbandoned(worker);
        }

        if (wasListed)
        {
            LogAbandonedWorkerReturned(worker.Description, worker.AbandonedCallId, DateTimeOffset.UtcNow - worker.AbandonedAt!.Value);
        }
    }

    /// <summary>A fault only if the pool is not faulted already (the first fault stands).</summary>
    private PoolFaultedException? NotFaulted(PoolFaultedException? fault) => _fault is null ? fault : null;

    /// <summary>
    /// A call matched with a worker process whose exit had already been handled, or that a user's kill had reached: the
    /// worker died after it was picked and before the call reached it. The call never started, so it goes to another
    /// idle worker or back to the front of the queue (where the dead worker's replacement, or the next free worker, takes it).
    /// </summary>
    public void Redispatch(PendingCall call)
    {
        PoolWorker? worker = null;
        bool terminated;
        lock (_gate)
        {
            call.RunningOn = null;
            terminated = Terminated;
            if (!terminated)
            {
                worker = PopIdleLocked();
                if (worker is not null)
                {
                    call.RunningOn = worker;
                }
                else
                {
                    _queue.AddFirst(call);
                    if (_fault is null && _workers.Count + _starting < _options.Workers)
                    {
                        _starting++;
                        AddWorkerLocked(replacing: true);
                    }
                }
            }
        }

        if (terminated)
        {
            call.TryCancelByPool();
            Finish(call);
        }
        else if (worker is not null)
        {
            DispatchTo(worker, call);
        }
    }

    /// <summary>Fails every queued call with the fault, retires idle workers; running calls finish, then their workers retire.</summary>
    private void EnterFaulted(PoolFaultedException fault)
    {
        var queued = new List<PendingCall>();
        var idle = new List<PoolWorker>();
        lock (_gate)
        {
            if (_fault is not null)
            {
                return;
            }

            _fault = fault;
            foreach (PendingCall call in _queue)
            {
                queued.Add(call);
            }

            _queue.Clear();
            while (PopIdleLocked() is { } worker)
            {
                RemoveLocked(worker);
                idle.Add(worker);
            }
        }

        LogPoolFaulted(fault);
        foreach (PendingCall call in queued)
        {
            ReleaseSpace(call);
            call.TryFail(fault);
            Finish(call);
        }

        foreach (PoolWorker worker in idle)
        {
            worker.Retire();
        }

        _completion.TrySetException(fault);
    }
}
