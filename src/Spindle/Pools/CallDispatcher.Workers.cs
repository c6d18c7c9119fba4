using Microsoft.Extensions.Logging;
using Spindle.Processes;
using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>The dispatcher's workers: starting them (on demand, for warm-up, as replacements), losing and retiring them.</summary>
internal sealed partial class CallDispatcher
{
    /// <summary>Starts workers until <see cref="WorkerPoolOptions.Workers"/> are running and waits for them.</summary>
    public Task WarmUpAsync()
    {
        var started = new List<Task>();
        lock (_gate)
        {
            while (!_closing && _slots.Count + _starting < _options.Workers)
            {
                _starting++;
                started.Add(StartSlotLocked(replacing: false));
            }

            started.AddRange(_startingTasks);
        }

        return Task.WhenAll(started);
    }

    /// <summary>
    /// A worker ended. Decides the fate of the call it was running (retry, crash, timeout, cancellation), replaces the
    /// worker when the pool still needs it, and faults the pool when workers die too often.
    /// </summary>
    public void OnSlotExited(PoolWorker slot, WorkerExit? exit, WorkerExitReason reason, PendingCall? call, Action<PendingCall>? verdict, PendingCall[]? neverStarted = null)
    {
        bool retry = false;
        PoolWorker? retryOn = null;
        PoolFaultedException? fault = null;
        var unstarted = new List<PendingCall>();
        lock (_gate)
        {
            RemoveLocked(slot);

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
                fault = RecordCrashLocked(exit);
            }
            else if (reason == WorkerExitReason.Abandoned)
            {
                fault = RecordAbandonedLocked(slot);
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
                && _slots.Count + _starting < _options.Workers)
            {
                _starting++;
                StartSlotLocked(replacing: true);
            }
        }

        if (reason == WorkerExitReason.Crashed)
        {
            LogWorkerDied(slot.Id, call is null ? "idle" : "running a call", exit?.Cause ?? "unknown");
        }
        else if (reason == WorkerExitReason.Abandoned && !Terminated)
        {
            LogWorkerAbandoned(call!.Id, slot.Description, _options.CancellationGracePeriod);
        }

        _telemetry.Exited(slot.Id, reason, exit);
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
                    call.TryFail(new OperationCanceledException("The pool was terminated while the call was running."));
                    break;
                default:
                    call.TryFail(exit is null ? new SpindleException("The worker ended while running the call.") : new Workers.WorkerCrashedException(exit));
                    break;
            }

            Finish(call);
        }

        foreach (PendingCall waiting in unstarted)
        {
            waiting.TryFail(new OperationCanceledException("The pool was terminated before the call started."));
            Finish(waiting);
        }

        if (fault is not null)
        {
            EnterFaulted(fault);
        }
    }

    /// <summary>
    /// A call matched with a worker process whose exit had already been handled: the worker died after it was picked
    /// and before the call reached it. The call never started, so it goes to another idle worker or back to the front
    /// of the queue (where the dead worker's replacement, or the next free worker, takes it).
    /// </summary>
    public void Redispatch(PendingCall call)
    {
        PoolWorker? slot = null;
        bool terminated;
        lock (_gate)
        {
            call.RunningOn = null;
            terminated = Terminated;
            if (!terminated)
            {
                slot = PopIdleLocked();
                if (slot is not null)
                {
                    call.RunningOn = slot;
                }
                else
                {
                    _queue.AddFirst(call);
                    if (_fault is null && _slots.Count + _starting < _options.Workers)
                    {
                        _starting++;
                        StartSlotLocked(replacing: true);
                    }
                }
            }
        }

        if (terminated)
        {
            call.TryFail(new OperationCanceledException("The pool was terminated before the call started."));
            Finish(call);
        }
        else if (slot is not null)
        {
            DispatchTo(slot, call);
        }
    }

    private Task StartSlotLocked(bool replacing)
    {
        int index = ++_slotIndex;
        Task task = StartSlotAsync(index, replacing);
        _startingTasks.Add(task);
        _ = task.ContinueWith(
            static (t, s) =>
            {
                var self = (CallDispatcher)s!;
                lock (self._gate)
                {
                    self._startingTasks.Remove(t);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    private async Task StartSlotAsync(int index, bool replacing)
    {
        await Task.Yield();
        PoolWorker slot;
        try
        {
            slot = await _backend.StartWorkerAsync(index, _stopNow.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            OnSlotStartFailed(e);
            return;
        }

        bool keep;
        lock (_gate)
        {
            _starting--;
            keep = !_workersClosed && (!_closing || _queue.Count > 0);
            if (keep)
            {
                _slots.Add(slot);
            }
        }

        if (!keep)
        {
            if (Terminated)
            {
                slot.Kill();
            }
            else
            {
                slot.Retire();
            }

            return;
        }

        LogWorkerStarted(slot.Id, replacing);
        _telemetry.Started(slot.Id, replacing);
        TakeNextOrPark(slot);
    }

    private void OnSlotStartFailed(Exception error)
    {
        var stranded = new List<PendingCall>();
        lock (_gate)
        {
            _starting--;

            // With no worker left to run them, queued calls would wait forever: fail them with the reason.
            if (_slots.Count == 0 && _starting == 0)
            {
                foreach (PendingCall call in _queue)
                {
                    stranded.Add(call);
                }

                _queue.Clear();
            }
        }

        LogWorkerStartFailed(error, stranded.Count);
        foreach (PendingCall call in stranded)
        {
            ReleaseSpace(call);
            call.TryFail(error);
            Finish(call);
        }
    }

    private void RetireIdleWorkers()
    {
        var retired = new List<PoolWorker>();
        long now = Environment.TickCount64;
        long limit = (long)_options.IdleTimeout.TotalMilliseconds;
        lock (_gate)
        {
            if (_idle.Count == 0)
            {
                return;
            }

            PoolWorker[] parked = _idle.ToArray();
            _idle.Clear();
            for (int i = parked.Length - 1; i >= 0; i--)
            {
                PoolWorker slot = parked[i];
                if (slot.Removed)
                {
                    continue;
                }

                if (now - slot.IdleSince >= limit)
                {
                    RemoveLocked(slot);
                    retired.Add(slot);
                }
                else
                {
                    _idle.Push(slot);
                }
            }
        }

        foreach (PoolWorker slot in retired)
        {
            LogWorkerIdleRetired(slot.Id);
            slot.Retire();
            _telemetry.Exited(slot.Id, WorkerExitReason.Retired, exit: null);
        }
    }
}
