namespace Spindle.Pools;

/// <summary>Ending a pool: drain (finish every accepted call, then close workers) or terminate (kill now).</summary>
internal sealed partial class CallDispatcher
{
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(10);

    /// <summary>Refuses new calls, waits for every accepted call to finish, then closes the workers.</summary>
    public async Task DrainAsync()
    {
        _closing = true;
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }

        await _drained.Task.ConfigureAwait(false);
        await CloseWorkersAsync(kill: false).ConfigureAwait(false);
        _completion.TrySetResult();
    }

    /// <summary>Stops at once: queued calls are cancelled, worker processes are killed, running thread calls are abandoned.</summary>
    public async Task TerminateAsync()
    {
        var abandoned = new List<PendingCall>();
        lock (_gate)
        {
            _closing = true;
            Terminated = true;
            abandoned.AddRange(_queue);
            _queue.Clear();
            foreach (PoolSlot slot in _slots)
            {
                if (slot.Running is { } running)
                {
                    abandoned.Add(running);
                }
            }
        }

        await _stopNow.CancelAsync().ConfigureAwait(false);
        foreach (PendingCall call in abandoned)
        {
            ReleaseSpace(call);
            call.TryFail(new OperationCanceledException("The pool was terminated before the call finished."));
            Finish(call);
        }

        await CloseWorkersAsync(kill: true).ConfigureAwait(false);
        _drained.TrySetResult();
        _completion.TrySetResult();
    }

    private async Task CloseWorkersAsync(bool kill)
    {
        _idleTimer?.Dispose();
        Task[] starting;
        lock (_gate)
        {
            starting = [.. _startingTasks];
        }

        // Workers still starting join the list below (or retire themselves, the pool being closed).
        await Task.WhenAll(starting).WaitAsync(CloseGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);

        PoolSlot[] slots;
        lock (_gate)
        {
            slots = [.. _slots];
            foreach (PoolSlot slot in slots)
            {
                RemoveLocked(slot);
            }

            _idle.Clear();
        }

        foreach (PoolSlot slot in slots)
        {
            if (kill)
            {
                slot.Kill();
            }
            else
            {
                slot.Retire();
            }
        }

        Task all = Task.WhenAll(slots.Select(s => s.Exited));
        await all.WaitAsync(CloseGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!all.IsCompleted)
        {
            // A worker that ignores a graceful close is killed; one that survives even that is reported.
            foreach (PoolSlot slot in slots)
            {
                slot.Kill();
            }

            await all.WaitAsync(CloseGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopNow.Dispose();
        _space.Dispose();
    }
}
