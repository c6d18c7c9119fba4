using Spindle.Processes;
using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>
/// Supervision, Erlang style: crashes are expected and replaced, but more than <see cref="WorkerPoolOptions.MaxRestarts"/>
/// within <see cref="WorkerPoolOptions.RestartWindow"/> means something is wrong with every worker, not one — the pool
/// faults loudly instead of restarting forever.
/// </summary>
internal sealed partial class CallDispatcher
{
    private readonly Queue<long> _crashTimes = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PoolFaultedException? _fault;

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

    /// <summary>Counts a crash; returns the fault if this one is over the limit.</summary>
    private PoolFaultedException? RecordCrashLocked(WorkerExit? exit)
    {
        long now = Environment.TickCount64;
        _crashTimes.Enqueue(now);
        return FaultIfOverLocked(now, exit);
    }

    /// <summary>The fault, if the workers lost lately (crashes in the window, abandoned threads: see <see cref="CountAbandonedLocked"/>) are more than allowed.</summary>
    private PoolFaultedException? FaultIfOverLocked(long now, WorkerExit? lastExit)
    {
        long window = (long)_options.RestartWindow.TotalMilliseconds;
        while (_crashTimes.Count > 0 && now - _crashTimes.Peek() > window)
        {
            _crashTimes.Dequeue();
        }

        int abandoned = CountAbandonedLocked(now, window);
        int restarts = _crashTimes.Count + abandoned;
        return restarts > _options.MaxRestarts && _fault is null
            ? new PoolFaultedException(restarts, _options.RestartWindow, _options.MaxRestarts, lastExit, abandoned)
            : null;
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
            while (PopIdleLocked() is { } slot)
            {
                RemoveLocked(slot);
                idle.Add(slot);
            }
        }

        LogPoolFaulted(fault);
        foreach (PendingCall call in queued)
        {
            ReleaseSpace(call);
            call.TryFail(fault);
            Finish(call);
        }

        foreach (PoolWorker slot in idle)
        {
            slot.Retire();
        }

        _completion.TrySetException(fault);
    }
}
