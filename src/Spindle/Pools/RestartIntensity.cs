using Spindle.Backends;
using Spindle;
using Spindle.Processes;

namespace Spindle.Pools;

/// <summary>
/// Erlang/OTP's restart intensity: crashes are expected and replaced, but more than
/// <see cref="WorkerPoolOptions.MaxRestarts"/> within <see cref="WorkerPoolOptions.RestartWindow"/> means something is
/// wrong with every worker, not one, and the pool faults loudly instead of restarting forever.
/// </summary>
/// <remarks>
/// An abandoned worker (a thread blocked in a call that could not be stopped) counts like a crash within the window and
/// for as long as it stays blocked past it: so a pool never holds more than MaxRestarts blocked threads. A terminate's
/// abandonments are listed but not counted: the pool is stopping. Not thread-safe: the pool calls it under its lock.
/// </remarks>
internal sealed class RestartIntensity(WorkerPoolOptions options)
{
    private readonly Queue<long> _crashTimes = new();
    private readonly List<(long At, PoolWorker Worker)> _abandonments = [];

    /// <summary>Abandoned workers still blocked, oldest first: they stay listed with the pool's workers.</summary>
    public List<PoolWorker> Abandoned { get; } = [];

    /// <summary>Counts a crash at <paramref name="now"/>; returns the fault if this one is over the limit.</summary>
    public PoolFaultedException? RecordCrash(long now, WorkerExit? exit)
    {
        if (exit is { CountedWithAnother: true })
        {
            // Lost with a call counted already (WorkerExit.CountedWithAnother).
            return null;
        }

        _crashTimes.Enqueue(now);
        return FaultIfOver(now, exit);
    }

    /// <summary>Lists a worker just abandoned and, unless the pool is terminating, counts it; returns the fault if over the limit.</summary>
    public PoolFaultedException? RecordAbandoned(long now, PoolWorker worker, bool terminating)
    {
        if (!worker.ReturnedAfterAbandoned)
        {
            Abandoned.Add(worker);
        }

        if (terminating)
        {
            return null;
        }

        _abandonments.Add((now, worker));
        return FaultIfOver(now, lastExit: null);
    }

    /// <summary>An abandoned worker's call returned: it stops counting once outside the window. True if it was listed.</summary>
    public bool ReturnedAfterAbandoned(PoolWorker worker)
    {
        worker.ReturnedAfterAbandoned = true;
        return Abandoned.Remove(worker);
    }

    /// <summary>The restarts that count against <see cref="WorkerPoolOptions.MaxRestarts"/> at <paramref name="now"/>: crashes within the window, and abandonments within it or still blocked.</summary>
    public int CountAt(long now)
    {
        long window = (long)options.RestartWindow.TotalMilliseconds;
        while (_crashTimes.Count > 0 && now - _crashTimes.Peek() > window)
        {
            _crashTimes.Dequeue();
        }

        _abandonments.RemoveAll(a => a.Worker.ReturnedAfterAbandoned && now - a.At > window);
        return _crashTimes.Count + _abandonments.Count;
    }

    private PoolFaultedException? FaultIfOver(long now, WorkerExit? lastExit)
    {
        int restarts = CountAt(now);
        return restarts > options.MaxRestarts
            ? new PoolFaultedException(restarts, options.RestartWindow, options.MaxRestarts, lastExit, _abandonments.Count)
            : null;
    }
}
