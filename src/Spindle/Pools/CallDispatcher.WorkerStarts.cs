using System.Runtime.ExceptionServices;
using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>Starting workers (on demand, for warm-up, as replacements) through the backend, and retiring idle ones.</summary>
internal sealed partial class CallDispatcher
{
    /// <summary>
    /// Starts workers until <see cref="WorkerPoolOptions.Workers"/> are running and waits for them, and for any start
    /// already under way. A start that failed is logged and the pool carries on (the next call starts another worker),
    /// but the warm-up was asked for ready workers: it fails with the first failed start's own exception (usually a
    /// <see cref="WorkerStartException"/>), so the caller sees the cause, not a summary of it.
    /// </summary>
    public async Task WarmUpAsync()
    {
        var started = new List<Task<Exception?>>();
        lock (_gate)
        {
            while (!_closing && _workers.Count + _starting < _options.Workers)
            {
                _starting++;
                started.Add(AddWorkerLocked(replacing: false));
            }

            started.AddRange(_startingTasks);
        }

        Exception?[] outcomes = await Task.WhenAll(started).ConfigureAwait(false);

        // A start cancelled because the pool is stopping is not a failure of the warm-up.
        Exception? failure = outcomes.FirstOrDefault(e => e is not null and not OperationCanceledException);
        if (failure is not null)
        {
            ExceptionDispatchInfo.Throw(failure);
        }
    }

    private Task<Exception?> AddWorkerLocked(bool replacing)
    {
        int index = ++_workerIndex;
        Task<Exception?> task = AddWorkerAsync(index, replacing);
        _startingTasks.Add(task);
        _ = task.ContinueWith(
            static (t, s) =>
            {
                var self = (CallDispatcher)s!;
                lock (self._gate)
                {
                    self._startingTasks.Remove((Task<Exception?>)t);
                }
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return task;
    }

    /// <summary>Starts one worker and puts it to work; returns why the start failed, or null.</summary>
    private async Task<Exception?> AddWorkerAsync(int index, bool replacing)
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
            return e;
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

            return null;
        }

        LogWorkerStarted(worker.Id, replacing);
        _telemetry.Started(worker.Id, replacing);
        TakeNextOrPark(worker);
        return null;
    }

    private void OnWorkerStartFailed(Exception error)
    {
        // A terminate cancels the starts under way (a warm-up's too): that is the pool stopping, not a worker failing.
        bool stopped = error is OperationCanceledException && _stopNow.IsCancellationRequested;
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

        if (stopped)
        {
            LogWorkerStartCancelled(stranded.Count);
        }
        else
        {
            LogWorkerStartFailed(error, stranded.Count);
        }

        foreach (PendingCall call in stranded)
        {
            ReleaseSpace(call);
            if (stopped)
            {
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
