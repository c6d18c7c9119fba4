using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>Starting workers (on demand, for warm-up, as replacements) through the backend, and retiring idle ones.</summary>
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
            if (error is OperationCanceledException)
            {
                // The start was cancelled because the pool is stopping: a cancellation, not a fault.
                call.TryCancelByPool();
            }
            else
            {
                call.TryFail(error);
            }
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
