using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>
/// Threads abandoned to calls that never returned (see <see cref="Isolation.Thread"/>). The pool cannot free them, so it keeps
/// them in sight and in check: they stay listed with the workers (<see cref="WorkerInfo.Abandoned"/>) until their
/// delegates return, and each counts as a restart — toward <see cref="WorkerPoolOptions.MaxRestarts"/> within
/// <see cref="WorkerPoolOptions.RestartWindow"/> like a crash, and past the window for as long as it stays blocked. So a
/// pool never holds more than MaxRestarts blocked threads: one more faults it, loudly, instead of leaking threads
/// without end. A terminate's abandonments are listed but not counted: the pool is stopping.
/// </summary>
internal sealed partial class CallDispatcher
{
    /// <summary>Abandoned threads still blocked, oldest first.</summary>
    private readonly List<PoolWorker> _abandoned = [];

    /// <summary>Abandonments that count as restarts: those within the window, and older ones still blocked.</summary>
    private readonly List<(long At, PoolWorker Slot)> _abandonments = [];

    /// <summary>An abandoned thread's delegate returned (perhaps before its abandonment was recorded): that thread is free again.</summary>
    public void OnAbandonedWorkerReturned(PoolWorker slot)
    {
        bool wasListed;
        lock (_gate)
        {
            slot.ReturnedAfterAbandoned = true;
            wasListed = _abandoned.Remove(slot);
        }

        if (wasListed)
        {
            LogAbandonedWorkerReturned(slot.Description, slot.AbandonedCallId, DateTimeOffset.UtcNow - slot.AbandonedAt!.Value);
        }
    }

    /// <summary>Lists and counts a worker just abandoned; returns the fault if this one is over the limit.</summary>
    private PoolFaultedException? RecordAbandonedLocked(PoolWorker slot)
    {
        if (!slot.ReturnedAfterAbandoned)
        {
            _abandoned.Add(slot);
        }

        if (Terminated)
        {
            return null;
        }

        long now = Environment.TickCount64;
        _abandonments.Add((now, slot));
        return FaultIfOverLocked(now, lastExit: null);
    }

    /// <summary>How many abandonments count as restarts now: those within <paramref name="window"/> ms, and any whose thread is still blocked.</summary>
    private int CountAbandonedLocked(long now, long window)
    {
        _abandonments.RemoveAll(a => a.Slot.ReturnedAfterAbandoned && now - a.At > window);
        return _abandonments.Count;
    }
}
