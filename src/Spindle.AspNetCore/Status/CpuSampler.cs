using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spindle.AspNetCore.Status;

/// <summary>CPU % of each worker process: the change in its CPU ticks between two samples over the wall time between them.</summary>
internal sealed class CpuSampler
{
    private readonly ConcurrentDictionary<int, Reading> _readings = new();

    /// <summary>The share of one core <paramref name="pid"/> used between the last two samples (can exceed 100 for several threads).</summary>
    public double? CpuPercent(int pid) => _readings.TryGetValue(pid, out Reading r) ? r.Percent : null;

    /// <summary>Reads every pid in <paramref name="pids"/>; forgets pids that are gone.</summary>
    public void Sample(IReadOnlyCollection<int> pids)
    {
        long now = Stopwatch.GetTimestamp();
        foreach (int pid in pids)
        {
            long? ticks = ProcFs.CpuTicks(pid);
            if (ticks is null)
            {
                _readings.TryRemove(pid, out _);
                continue;
            }

            double? percent = null;
            if (_readings.TryGetValue(pid, out Reading last))
            {
                double seconds = Stopwatch.GetElapsedTime(last.Timestamp, now).TotalSeconds;
                if (seconds > 0)
                {
                    percent = Math.Round(100.0 * (ticks.Value - last.Ticks) / ProcFs.TicksPerSecond / seconds, 1);
                }
            }

            _readings[pid] = new Reading(ticks.Value, now, percent ?? last.Percent);
        }

        foreach (int gone in _readings.Keys.Except(pids))
        {
            _readings.TryRemove(gone, out _);
        }
    }

    private readonly record struct Reading(long Ticks, long Timestamp, double? Percent);
}
