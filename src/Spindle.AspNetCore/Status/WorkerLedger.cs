using Spindle;
using Spindle.Pools;

namespace Spindle.AspNetCore.Status;

/// <summary>
/// Counts crashes and restarts from the pool's events. A pool keeps a fixed number of places for workers; a pid
/// lives in one place, and its replacement takes over the place of the worker that ended (oldest vacancy first),
/// so each row of the dashboard can show how often its place has crashed and been restarted. Workers already running
/// when the ledger is made (a warmed pool's) get their places then.
/// </summary>
internal sealed class WorkerLedger : IDisposable
{
    private readonly WorkerPool _pool;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Place> _placeOfPid = [];
    private readonly Queue<Place> _vacant = new();
    private int _crashes;
    private int _restarts;
    private int _retries;

    public WorkerLedger(WorkerPool pool)
    {
        _pool = pool;

        // Listening first, then reading the workers, under the gate: an event raised meanwhile waits for the places
        // and finds its worker's (the pool raises its events after it has added or removed the worker).
        lock (_gate)
        {
            pool.WorkerStarted += OnStarted;
            pool.WorkerExited += OnExited;
            pool.CallRetried += OnRetried;
            foreach (WorkerInfo worker in pool.GetWorkers())
            {
                if (!worker.Abandoned)
                {
                    _placeOfPid.TryAdd(worker.Id, new Place());
                }
            }
        }
    }

    /// <summary>Workers of the pool that died on their own.</summary>
    public int Crashes
    {
        get
        {
            lock (_gate)
            {
                return _crashes;
            }
        }
    }

    /// <summary>Workers started to replace one that ended.</summary>
    public int Restarts
    {
        get
        {
            lock (_gate)
            {
                return _restarts;
            }
        }
    }

    /// <summary>Calls run again because their worker crashed.</summary>
    public int Retries
    {
        get
        {
            lock (_gate)
            {
                return _retries;
            }
        }
    }

    /// <summary>Crashes and restarts of the place <paramref name="pid"/> holds.</summary>
    public (int Crashes, int Restarts) Of(int pid)
    {
        lock (_gate)
        {
            return _placeOfPid.TryGetValue(pid, out Place? place) ? (place.Crashes, place.Restarts) : (0, 0);
        }
    }

    public void Dispose()
    {
        _pool.WorkerStarted -= OnStarted;
        _pool.WorkerExited -= OnExited;
        _pool.CallRetried -= OnRetried;
    }

    private void OnStarted(object? sender, WorkerStartedEventArgs e)
    {
        lock (_gate)
        {
            // A worker already placed was read from the pool when the ledger was made, before this event reached it.
            if (!_placeOfPid.TryGetValue(e.WorkerId, out Place? place))
            {
                place = _vacant.TryDequeue(out Place? vacant) ? vacant : new Place();
                _placeOfPid[e.WorkerId] = place;
            }

            if (e.Replacement)
            {
                place.Restarts++;
                _restarts++;
            }
        }
    }

    private void OnExited(object? sender, WorkerExitedEventArgs e)
    {
        lock (_gate)
        {
            if (e.Reason == WorkerExitReason.Crashed)
            {
                _crashes++;
            }

            if (_placeOfPid.Remove(e.WorkerId, out Place? place))
            {
                if (e.Reason == WorkerExitReason.Crashed)
                {
                    place.Crashes++;
                }

                _vacant.Enqueue(place);
            }
        }
    }

    private void OnRetried(object? sender, CallRetriedEventArgs e)
    {
        lock (_gate)
        {
            _retries++;
        }
    }

    private sealed class Place
    {
        public int Crashes { get; set; }

        public int Restarts { get; set; }
    }
}
