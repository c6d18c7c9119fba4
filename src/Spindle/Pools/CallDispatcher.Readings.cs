using Spindle.Backends;

namespace Spindle.Pools;

/// <summary>
/// What the dispatcher's state says about the pool, read under its lock for the pool's public properties, the health
/// check, the dashboard and the gauges. Nothing here changes state.
/// </summary>
internal sealed partial class CallDispatcher
{
    /// <summary>Calls waiting for a worker.</summary>
    public int QueueLength
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Worker restarts counted now against <see cref="WorkerPoolOptions.MaxRestarts"/> (see <see cref="RestartIntensity"/>).</summary>
    public int RecentRestarts
    {
        get
        {
            lock (_gate)
            {
                return _restarts.CountAt(Environment.TickCount64);
            }
        }
    }

    /// <summary>Workers running a call now, for the <c>spindle.pool.workers.busy</c> gauge.</summary>
    public int BusyWorkers
    {
        get
        {
            lock (_gate)
            {
                int busy = 0;
                foreach (PoolWorker worker in _workers)
                {
                    if (worker.Running is not null)
                    {
                        busy++;
                    }
                }

                return busy;
            }
        }
    }

    /// <summary>The workers in service, then the abandoned threads still blocked.</summary>
    public IReadOnlyList<PoolWorker> CurrentWorkers()
    {
        lock (_gate)
        {
            return [.. _workers, .. _restarts.Abandoned];
        }
    }
}
