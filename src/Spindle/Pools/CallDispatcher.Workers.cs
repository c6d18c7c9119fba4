using Microsoft.Extensions.Logging;
using Spindle.Processes;

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
                started.Add(StartSlotLocked(replacing: true));
            }

            started.AddRange(_startingTasks);
        }

        return Task.WhenAll(started);
    }

    /// <summary>A worker ended. <paramref name="unexpected"/>: nobody asked it to (a crash); it is replaced.</summary>
    public void OnSlotExited(PoolSlot slot, WorkerExit? exit, bool unexpected, PendingCall? failedCall)
    {
        bool replace;
        lock (_gate)
        {
            RemoveLocked(slot);
            replace = unexpected && !_closing && _slots.Count + _starting < _options.Workers;
            if (replace)
            {
                _starting++;
                StartSlotLocked(replacing: true);
            }
        }

        if (unexpected)
        {
            LogWorkerDied(slot.Id, failedCall is null ? "idle" : "running a call", exit?.Cause ?? "unknown");
        }

        if (failedCall is not null)
        {
            Finish(failedCall);
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
        PoolSlot slot;
        try
        {
            slot = await _startSlot(index, _stopNow.Token).ConfigureAwait(false);
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
            keep = !_closing || _queue.Count > 0;
            if (keep)
            {
                _slots.Add(slot);
            }
        }

        if (!keep)
        {
            slot.Retire();
            return;
        }

        LogWorkerStarted(slot.Id, replacing);
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
                    call.QueueNode = null;
                    stranded.Add(call);
                }

                _queue.Clear();
            }
        }

        LogWorkerStartFailed(error, stranded.Count);
        foreach (PendingCall call in stranded)
        {
            _space.Release();
            call.TryFail(error);
            Finish(call);
        }
    }

    private void RetireIdleWorkers()
    {
        var retired = new List<PoolSlot>();
        long now = Environment.TickCount64;
        long limit = (long)_options.IdleTimeout.TotalMilliseconds;
        lock (_gate)
        {
            if (_idle.Count == 0)
            {
                return;
            }

            PoolSlot[] parked = _idle.ToArray();
            _idle.Clear();
            for (int i = parked.Length - 1; i >= 0; i--)
            {
                PoolSlot slot = parked[i];
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

        foreach (PoolSlot slot in retired)
        {
            LogWorkerIdleRetired(slot.Id);
            slot.Retire();
        }
    }
}
