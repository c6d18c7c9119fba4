using Spindle.Backends;
namespace Spindle.Pools;

/// <summary>
/// Ending a pool: one stop, whoever asks and however often. The first <see cref="StopAsync"/> starts it; every later
/// call awaits the same stop. A terminate escalates a drain in progress at any point (asked for, or when the drain
/// outlasts <see cref="WorkerPoolOptions.DrainTimeout"/>), and a terminate after the stop finds nothing left to do.
/// <code>
///  Running ── drain ──► Draining: new calls refused ── last accepted call finished ──┐
///     │                    │ (or DrainTimeout)                                        ├─► close workers ──► Stopped
///     └── terminate ───────┴─► queued and running calls cancelled, starts too ────────┘   (a terminate kills them,
///                                                                                          even mid-close)
/// </code>
/// </summary>
internal sealed partial class CallDispatcher
{
    /// <summary>
    /// Stops the pool: refuses new calls, then lets accepted calls finish (<paramref name="terminate"/> false) or cancels
    /// them and kills worker processes (true). Completes when every worker is gone; safe from any thread, any number of times.
    /// </summary>
    public Task StopAsync(bool terminate)
    {
        BeginClosing();
        if (terminate)
        {
            BeginTerminate();
        }

        if (Interlocked.Exchange(ref _stopBegun, 1) == 0)
        {
            _ = RunStopAsync();
        }

        // A terminate returns once its calls have ended too, even when it comes after the stop has finished.
        return terminate ? Task.WhenAll(_terminated.Task, _stopped.Task) : _stopped.Task;
    }

    private void BeginClosing()
    {
        _closing = true;

        // Pairs with Submit's count-then-check: either a submitter sees _closing, or this sees its call in flight.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
    }

    private void BeginTerminate()
    {
        if (Interlocked.Exchange(ref _terminateBegun, 1) == 0)
        {
            _ = TerminateCallsAsync();
        }
    }

    private async Task RunStopAsync()
    {
        try
        {
            Task drainedOrTerminated = Task.WhenAny(_drained.Task, _terminated.Task);
            if (_options.DrainTimeout != Timeout.InfiniteTimeSpan && !drainedOrTerminated.IsCompleted)
            {
                await drainedOrTerminated.WaitAsync(_options.DrainTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                if (!drainedOrTerminated.IsCompleted)
                {
                    // The drain ran out of time (DrainTimeout): what is still queued or running is terminated.
                    LogDrainTimedOut(_options.DrainTimeout, Volatile.Read(ref _inFlight));
                    BeginTerminate();
                }
            }

            await drainedOrTerminated.ConfigureAwait(false);
            await CloseWorkersAsync().ConfigureAwait(false);
            _completion.TrySetResult();
            _stopped.TrySetResult();
        }
        catch (Exception e)
        {
            // Every caller of StopAsync sees it.
            _stopped.TrySetException(e);
        }
    }

    /// <summary>Cancels every queued and running call, and worker starts; the stop then kills the workers.</summary>
    private async Task TerminateCallsAsync()
    {
        try
        {
            var abandoned = new List<PendingCall>();
            lock (_gate)
            {
                Terminated = true;
                abandoned.AddRange(_queue);
                _queue.Clear();
                foreach (PoolWorker worker in _workers)
                {
                    if (worker.Running is { } running)
                    {
                        abandoned.Add(running);
                    }
                }
            }

            await _stopNow.CancelAsync().ConfigureAwait(false);
            foreach (PendingCall call in abandoned)
            {
                ReleaseSpace(call);
                call.TryCancelByPool();
                Finish(call);
            }

            _terminated.TrySetResult();
        }
        catch (Exception e)
        {
            // Every terminating caller sees it; the stop goes on and kills the workers.
            _terminated.TrySetException(e);
        }
    }

    private async Task CloseWorkersAsync()
    {
        _idleTimer?.Dispose();
        Task[] starting;
        lock (_gate)
        {
            starting = [.. _startingTasks];
        }

        // Workers still starting join the list below (a terminate cancels their start).
        Task started = Task.WhenAll(starting);
        await started.WaitAsync(CloseGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!started.IsCompleted)
        {
            // A start that outlasts the grace is given up: cancelled, so its process does not outlive the pool and it
            // ends as a stop (logged at debug) before the pool has stopped, not later as a start that failed.
            await _stopNow.CancelAsync().ConfigureAwait(false);
            await started.WaitAsync(CloseGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        PoolWorker[] workers;
        lock (_gate)
        {
            _workersClosed = true;
            workers = [.. _workers];
            foreach (PoolWorker worker in workers)
            {
                RemoveLocked(worker);
            }

            _idle.Clear();
            _pipelining.Clear();
        }

        bool kill = Terminated;
        foreach (PoolWorker worker in workers)
        {
            if (kill)
            {
                worker.Kill();
            }
            else
            {
                worker.Retire();
            }
        }

        // A worker that ignores a graceful close is killed, and so is every worker when a terminate comes meanwhile.
        Task all = Task.WhenAll(workers.Select(s => s.Exited));
        Task closedOrTerminated = Task.WhenAny(all, _terminated.Task);
        await closedOrTerminated.WaitAsync(CloseGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!all.IsCompleted)
        {
            foreach (PoolWorker worker in workers)
            {
                worker.Kill();
            }

            await all.WaitAsync(CloseGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
