using Spindle.Pools;

namespace Spindle.AspNetCore.Status;

/// <summary>
/// What the dashboard keeps about one pool between samples: its crash and restart ledger (from the pool's events) and
/// its calls per second (from the calls its workers report done).
/// </summary>
internal sealed class PoolWatch : IDisposable
{
    private readonly WorkerLedger _ledger;
    private readonly AgentWatch? _agents;
    private readonly RateHistory _throughput = new();
    private readonly Lock _gate = new();
    private Dictionary<int, int> _callsDoneById = [];
    private long _callsByEndedWorkers;

    public PoolWatch(WorkerPool pool, string key)
    {
        Pool = pool;
        Key = key;
        _ledger = new WorkerLedger(pool);
        _agents = pool.RunsOnCluster() ? new AgentWatch(pool) : null;
    }

    public WorkerPool Pool { get; }

    /// <summary>
    /// Whether the pool's workers are worker processes of this machine: not for a cluster pool, whose "workers" are
    /// slots for calls in flight on agents and whose ids are no pids here (nothing to sample, nothing to kill).
    /// </summary>
    public bool LocalProcesses => Pool.Isolation == Isolation.Process && _agents is null;

    /// <summary>The pool's name, unique among the pools a dashboard shows.</summary>
    public string Key { get; }

    /// <summary>Records the calls done so far, for the throughput chart; returns the workers of this moment.</summary>
    /// <remarks>
    /// A worker that ended takes the calls it finished after the last sample with it: the pool reports calls done per
    /// living worker only, so a crash may cost the chart the calls of its last half second.
    /// </remarks>
    public IReadOnlyList<WorkerInfo> Sample(DateTimeOffset now)
    {
        IReadOnlyList<WorkerInfo> workers = Pool.GetWorkers();
        _agents?.Refresh();
        lock (_gate)
        {
            var callsDoneById = workers.ToDictionary(w => w.Id, w => w.CallsDone);
            foreach ((int id, int callsDone) in _callsDoneById)
            {
                if (!callsDoneById.ContainsKey(id))
                {
                    _callsByEndedWorkers += callsDone;
                }
            }

            _callsDoneById = callsDoneById;
            _throughput.Record(CallsDone(workers), now);
        }

        return workers;
    }

    public PoolView View(IReadOnlyList<WorkerInfo> workers, CpuSampler cpu, int appPid)
    {
        var views = new List<WorkerView>(workers.Count);
        foreach (WorkerInfo w in workers.OrderBy(w => w.StartedAt))
        {
            (int crashes, int restarts) = _ledger.Of(w.Id);
            bool process = LocalProcesses;
            string state = w.Abandoned ? "abandoned" : w.Busy ? "busy" : "idle";
            views.Add(new WorkerView(
                w.Id, process ? w.Id : _agents is null ? appPid : null, state, process ? cpu.CpuPercent(w.Id) : null, process ? ProcFs.ResidentBytes(w.Id) : null,
                w.CallsDone, crashes, restarts, w.StartedAt));
        }

        long callsDone;
        lock (_gate)
        {
            callsDone = CallsDone(workers);
        }

        return new PoolView(
            Key, Pool.Name, Pool.Isolation, Pool.State, Pool.MaxWorkers, Pool.QueueLength,
            new PoolTotals(callsDone, _ledger.Crashes, _ledger.Restarts, _ledger.Retries),
            _throughput.Points(),
            views,
            _agents is null ? null : new AgentsView(_agents.Latest, _agents.Error));
    }

    public void Dispose() => _ledger.Dispose();

    private long CallsDone(IReadOnlyList<WorkerInfo> workers) => _callsByEndedWorkers + workers.Sum(w => (long)w.CallsDone);
}
