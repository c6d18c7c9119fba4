using System.Text.Json;
using Spindle.AspNetCore.Web;

namespace Spindle.AspNetCore.Status;

/// <summary>
/// Samples the pools a dashboard shows: which pools there are (asked anew each time, so pools that come and go in a
/// registry come and go on the page), CPU of every worker process and of the app, calls per second, and the snapshot
/// the page draws.
/// </summary>
/// <remarks>
/// <code>
///  pools (options list, factory, or IWorkerPoolSource) ──▶ Refresh: a PoolWatch per pool (ledger of its events)
///  SnapshotFeed, 2×/s ──▶ Sample: /proc CPU ticks, calls done ──▶ Snapshot ──▶ JSON ──▶ every open page
///  GET api/status ──────────────────────────────────────────────▶ Snapshot (figures from the latest sample)
/// </code>
/// </remarks>
internal sealed class PoolMonitor : IDisposable
{
    private readonly Func<IEnumerable<WorkerPool>> _pools;
    private readonly CpuSampler _cpu = new();
    private readonly Lock _gate = new();
    private readonly int _appPid = Environment.ProcessId;
    private PoolWatch[]? _watches;
    private bool _disposed;

    /// <summary>A monitor of whatever <paramref name="pools"/> returns each time it is asked.</summary>
    public PoolMonitor(Func<IEnumerable<WorkerPool>> pools) => _pools = pools;

    /// <summary>Takes one sample: the pools of this moment, their workers' CPU ticks, their calls done.</summary>
    public void Sample()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        List<int> pids = [_appPid];
        foreach (PoolWatch watch in Refresh())
        {
            IReadOnlyList<WorkerInfo> workers = watch.Sample(now);
            if (watch.LocalProcesses)
            {
                pids.AddRange(workers.Select(w => w.Id));
            }
        }

        _cpu.Sample(pids);
    }

    /// <summary>Sample, then the snapshot as UTF-8 JSON: what the feed sends to every open page.</summary>
    public byte[] SampleToJson()
    {
        Sample();
        return SnapshotJson();
    }

    /// <summary>A snapshot of this moment as UTF-8 JSON (CPU % and throughput from the latest sample).</summary>
    public byte[] SnapshotJson() => JsonSerializer.SerializeToUtf8Bytes(Snapshot(), DashboardJson.Options);

    /// <summary>A snapshot of this moment (CPU % and throughput from the latest sample).</summary>
    public DashboardSnapshot Snapshot()
    {
        PoolWatch[] watches = Volatile.Read(ref _watches) ?? Refresh();
        var pools = new PoolView[watches.Length];
        for (int i = 0; i < watches.Length; i++)
        {
            pools[i] = watches[i].View(watches[i].Pool.GetWorkers(), _cpu, _appPid);
        }

        return new DashboardSnapshot(
            DateTimeOffset.UtcNow,
            new AppView(_appPid, _cpu.CpuPercent(_appPid), ProcFs.ResidentBytes(_appPid), ThreadPool.ThreadCount),
            pools);
    }

    /// <summary>Finds the pool with this <see cref="PoolWatch.Key"/>, or null.</summary>
    public WorkerPool? Find(string key) => FindWatch(key)?.Pool;

    /// <summary>Finds the watch of the pool with this <see cref="PoolWatch.Key"/>, or null.</summary>
    public PoolWatch? FindWatch(string key) => (Volatile.Read(ref _watches) ?? Refresh()).FirstOrDefault(w => w.Key == key);

    /// <summary>Stops listening to the pools' events.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (PoolWatch watch in _watches ?? [])
            {
                watch.Dispose();
            }

            _watches = [];
        }
    }

    /// <summary>Watches pools that appeared, forgets pools that are gone; a watch keeps its key while its pool is shown.</summary>
    private PoolWatch[] Refresh()
    {
        WorkerPool[] now = [.. _pools().Where(p => p is not null).Distinct(ReferenceEqualityComparer.Instance).Cast<WorkerPool>()];
        lock (_gate)
        {
            if (_disposed)
            {
                return [];
            }

            PoolWatch[] before = _watches ?? [];
            var kept = before.Where(w => now.Contains(w.Pool)).ToList();
            foreach (PoolWatch gone in before.Except(kept))
            {
                gone.Dispose();
            }

            var watches = new List<PoolWatch>(now.Length);
            foreach (WorkerPool pool in now)
            {
                watches.Add(kept.Find(w => w.Pool == pool) ?? new PoolWatch(pool, UniqueKey(pool.Name, kept, watches)));
            }

            Volatile.Write(ref _watches, [.. watches]);
            return _watches!;
        }
    }

    private static string UniqueKey(string name, List<PoolWatch> kept, List<PoolWatch> added)
    {
        string key = name;
        for (int n = 2; kept.Any(w => w.Key == key) || added.Any(w => w.Key == key); n++)
        {
            key = $"{name}-{n}";
        }

        return key;
    }
}
