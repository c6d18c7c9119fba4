using System.Diagnostics;
using System.Globalization;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// What an agent puts in its registry entry each heartbeat beyond its name and size: CPU and resident memory of the
/// agent and its worker processes (from /proc), calls done (by its workers alive now, and by ended ones as of their
/// last heartbeat), crashes (from its local pools' events, watched from their creation), and each worker.
/// </summary>
/// <remarks>
/// CPU is the change in user plus system ticks between two heartbeats over the wall time between them; /proc counts in
/// USER_HZ, which Linux fixes at 100 for every architecture it exports /proc to.
/// </remarks>
internal sealed class AgentReadings
{
    private const double TicksPerSecond = 100;

    private readonly Func<IEnumerable<WorkerPool>> _pools;
    private readonly Dictionary<int, (long Ticks, long At)> _lastTicks = [];
    private readonly Dictionary<int, int> _callsByPid = [];
    private readonly int _self = Environment.ProcessId;
    private long _callsByEndedWorkers;
    private int _crashes;

    /// <summary>Readings of the agent's process and of the workers of whatever local pools <paramref name="pools"/> returns.</summary>
    public AgentReadings(Func<IEnumerable<WorkerPool>> pools) => _pools = pools;

    /// <summary>Counts the crashes of <paramref name="pool"/>'s workers from its creation on; returns it.</summary>
    public WorkerPool Watch(WorkerPool pool)
    {
        pool.WorkerExited += (_, e) =>
        {
            if (e.Reason == WorkerExitReason.Crashed)
            {
                Interlocked.Increment(ref _crashes);
            }
        };
        return pool;
    }

    /// <summary>The agent's registry entry of this moment.</summary>
    public ClusterAgentInfo Entry(string name, int workers, int busy)
    {
        lock (_lastTicks)
        {
            var workerInfos = new List<WorkerInfo>();
            foreach (WorkerPool pool in _pools())
            {
                workerInfos.AddRange(pool.GetWorkers());
            }

            long now = Stopwatch.GetTimestamp();
            var seen = new HashSet<int> { _self };
            double? agentCpu = Cpu(_self, now);
            long? rss = ResidentBytes(_self);
            var processes = new List<ClusterAgentWorkerInfo>(workerInfos.Count);
            foreach (WorkerInfo worker in workerInfos)
            {
                seen.Add(worker.Id);
                double? cpu = Cpu(worker.Id, now);
                long? workerRss = ResidentBytes(worker.Id);
                agentCpu = agentCpu is null || cpu is null ? agentCpu : agentCpu + cpu;
                rss = rss is null || workerRss is null ? rss : rss + workerRss;
                processes.Add(new ClusterAgentWorkerInfo(worker.Id, worker.Busy, worker.CallsDone, cpu, workerRss));
            }

            // A worker that ended keeps its calls in the total.
            foreach (int gone in _callsByPid.Keys.Except(seen).ToArray())
            {
                _callsByEndedWorkers += _callsByPid[gone];
                _callsByPid.Remove(gone);
            }

            foreach (int gone in _lastTicks.Keys.Except(seen).ToArray())
            {
                _lastTicks.Remove(gone);
            }

            foreach (WorkerInfo worker in workerInfos)
            {
                _callsByPid[worker.Id] = worker.CallsDone;
            }

            return new ClusterAgentInfo(name, Environment.MachineName, Environment.ProcessorCount, workers, busy,
                ClusterHeaders.SpindleVersion, DateTimeOffset.UtcNow)
            {
                Protocol = ClusterHeaders.ProtocolVersion,
                CpuPercent = agentCpu is { } total ? Math.Round(total, 1) : null,
                RssBytes = rss,
                CallsDone = _callsByEndedWorkers + _callsByPid.Values.Sum(c => (long)c),
                Crashes = Volatile.Read(ref _crashes),
                WorkerProcesses = processes,
            };
        }
    }

    private double? Cpu(int pid, long now)
    {
        if (CpuTicks(pid) is not { } ticks)
        {
            return null;
        }

        bool known = _lastTicks.TryGetValue(pid, out (long Ticks, long At) last);
        _lastTicks[pid] = (ticks, now);
        double seconds = known ? Stopwatch.GetElapsedTime(last.At, now).TotalSeconds : 0;
        return seconds > 0 ? 100.0 * (ticks - last.Ticks) / TicksPerSecond / seconds : null;
    }

    /// <summary>User plus system CPU time in ticks (fields 14 and 15 of /proc/PID/stat, counted after the command's ')').</summary>
    private static long? CpuTicks(int pid)
    {
        string? stat = ReadOrNull($"/proc/{pid}/stat");
        string[] fields = stat is null ? [] : stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long system)
            ? user + system
            : null;
    }

    private static long? ResidentBytes(int pid)
    {
        string? line = ReadOrNull($"/proc/{pid}/status")?.Split('\n').FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        string? kilobytes = line?["VmRSS:".Length..].Trim().Split(' ')[0];
        return long.TryParse(kilobytes, NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended between listing and reading, or there is no /proc: no figure rather than a wrong one.
            return null;
        }
    }
}
