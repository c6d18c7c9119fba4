using System.Globalization;
using System.Runtime.InteropServices;
using Spindle.Lab.Model;
using Spindle.Lab.Os;

namespace Spindle.Lab.Running;

/// <summary>Describes the machine from /proc and <see cref="RuntimeInformation"/>; unknown parts say so.</summary>
internal static class MachineProbe
{
    public static MachineInfo Describe(ProcFs proc, string? python)
    {
        string cpu = proc.Line("cpuinfo", "model name") is { } model ? model.TrimStart(':', ' ', '\t') : "unknown (no /proc/cpuinfo)";
        long? memory = proc.Line("meminfo", "MemTotal:") is { } total
            && long.TryParse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kib)
            ? kib * 1024
            : null;
        double? load = ReadFirstLine(Path.Combine(proc.Root, "loadavg")) is { } line
            && double.TryParse(line.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double l) ? l : null;
        string kernel = ReadFirstLine(Path.Combine(proc.Root, "sys", "kernel", "osrelease")) ?? Environment.OSVersion.VersionString;
        return new MachineInfo(
            cpu,
            Environment.ProcessorCount,
            memory,
            kernel,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.ProcessArchitecture.ToString(),
            python,
            load,
            BusyCores(proc.Root));
    }

    /// <summary>
    /// Cores kept busy by other programs over a 300 ms sample of /proc/stat's first line. This process's own time in
    /// the sample (the runtime still compiling its start-up code) is taken out: it is not competition.
    /// </summary>
    private static double? BusyCores(string procRoot)
    {
        string path = Path.Combine(procRoot, "stat");
        string self = Path.Combine(procRoot, "self", "stat");
        (long busy, long total)? before = CpuTimes(path);
        long? selfBefore = OwnTicks(self);
        Task.Delay(TimeSpan.FromMilliseconds(300)).GetAwaiter().GetResult();
        (long busy, long total)? after = CpuTimes(path);
        long? selfAfter = OwnTicks(self);
        if (before is not { } b || after is not { } a || a.total <= b.total)
        {
            return null;
        }

        long others = a.busy - b.busy - (selfAfter - selfBefore ?? 0);
        return Math.Max(0, (double)others / (a.total - b.total) * Environment.ProcessorCount);
    }

    /// <summary>utime + stime of this process, in the same clock ticks as /proc/stat (fields 14 and 15, after the name).</summary>
    private static long? OwnTicks(string path)
    {
        string? line = ReadFirstLine(path);
        int close = line?.LastIndexOf(')') ?? -1;
        if (line is null || close < 0)
        {
            return null;
        }

        string[] fields = line[(close + 2)..].Split(' ');
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.Integer, CultureInfo.InvariantCulture, out long user)
            && long.TryParse(fields[12], NumberStyles.Integer, CultureInfo.InvariantCulture, out long system)
            ? user + system
            : null;
    }

    /// <summary>"cpu user nice system idle iowait irq softirq steal …": busy is everything but idle and iowait.</summary>
    private static (long Busy, long Total)? CpuTimes(string path)
    {
        string? line = ReadFirstLine(path);
        if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
        {
            return null;
        }

        long[] fields = [.. line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture))];
        long total = fields.Sum();
        long idle = fields[3] + (fields.Length > 4 ? fields[4] : 0);
        return (total - idle, total);
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
