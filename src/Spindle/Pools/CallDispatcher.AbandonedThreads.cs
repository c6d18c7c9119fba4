namespace Spindle.Pools;

/// <summary>
/// Threads abandoned to calls that never returned (see <see cref="ThreadSlot"/>). The pool cannot free them, so it keeps
/// them in sight and in check: they stay listed with the workers (<see cref="WorkerInfo.Abandoned"/>) until their
/// delegates return, and each counts as a restart — toward <see cref="WorkerPoolOptions.MaxRestarts"/> within
/// <see cref="WorkerPoolOptions.RestartWindow"/> like a crash, and past the window for as long as it stays blocked. So a
/// pool never holds more than MaxRestarts blocked threads: one more faults it, loudly, instead of leaking threads
/// without end. A terminate's abandonments are listed but not counted: the pool is stopping.
/// </summary>
internal sealed partial class CallDispatcher
{
    /// <summary>Abandoned threads still blocked, oldest first.</summary>
    private readonly List<ThreadSlot> _abandoned = [];

    /// <summary>Abandonments that count as restarts: those within the window, and older ones still blocked.</summary>
    private readonly List<(long At, ThreadSlot Slot)> _abandonments = [];

    /// <summary>An abandoned thread's delegate returned (perhaps before its abandonment was recorded): that thread is free again.</summary>
    public void OnAbandonedThreadReturned(ThreadSlot slot)
    {
        bool wasListed;
        lock (_gate)
        {
            slot.AbandonedThreadReturned = true;
            wasListed = _abandoned.Remove(slot);
            if (wasListed)
            {
                ThreadReserve.Release();
            }
        }

        if (wasListed)
        {
            LogAbandonedThreadReturned(slot.ThreadId, slot.Id, slot.AbandonedCallId, DateTimeOffset.UtcNow - slot.AbandonedAt!.Value);
        }
    }

    /// <summary>Lists and counts a worker just abandoned; returns the fault if this one is over the limit.</summary>
    private PoolFaultedException? RecordAbandonedLocked(ThreadSlot slot)
    {
        if (!slot.AbandonedThreadReturned)
        {
            _abandoned.Add(slot);
            ThreadReserve.Hold();
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
        _abandonments.RemoveAll(a => a.Slot.AbandonedThreadReturned && now - a.At > window);
        return _abandonments.Count;
    }
}
