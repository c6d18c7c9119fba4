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
            while (!_closing && _workers.Count + _starting < _options.Workers)
            {
                _starting++;
                started.Add(AddWorkerLocked(replacing: false));
            }

            started.AddRange(_startingTasks);
        }

        return Task.WhenAll(started);
    }

    private Task AddWorkerLocked(bool replacing)
    {
        int index = ++_workerIndex;
        Task task = AddWorkerAsync(index, replacing);
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

    private async Task AddWorkerAsync(int index, bool replacing)
    {
        await Task.Yield();
        PoolWorker worker;
        try
        {
            worker = await _backend.StartWorkerAsync(index, _stopNow.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            OnWorkerStartFailed(e);
            return;
        }

        bool keep;
        lock (_gate)
        {
            _starting--;
            keep = !_workersClosed && (!_closing || _queue.Count > 0);
            if (keep)
            {
                _workers.Add(worker);
            }
        }

        if (!keep)
        {
            if (Terminated)
            {
                worker.Kill();
            }
            else
            {
                worker.Retire();
            }

            return;
        }

        LogWorkerStarted(worker.Id, replacing);
        _telemetry.Started(worker.Id, replacing);
        TakeNextOrPark(worker);
    }

    private void OnWorkerStartFailed(Exception error)
    {
        var stranded = new List<PendingCall>();
        lock (_gate)
        {
            _starting--;

            // With no worker left to run them, queued calls would wait forever: fail them with the reason.
            if (_workers.Count == 0 && _starting == 0)
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
                PoolWorker worker = parked[i];
                if (worker.Removed)
                {
                    continue;
                }

                if (now - worker.IdleSince >= limit)
                {
                    RemoveLocked(worker);
                    retired.Add(worker);
                }
                else
                {
                    _idle.Push(worker);
                }
            }
        }

        foreach (PoolWorker worker in retired)
        {
            LogWorkerIdleRetired(worker.Id);
            worker.Retire();
            _telemetry.Exited(worker.Id, WorkerExitReason.Retired, exit: null);
        }
    }
}
