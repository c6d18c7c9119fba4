using Spindle.Lab.Experiments;
using Spindle.Lab.Experiments.Channels;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Model;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Compare;

/// <summary>One number of a report that the comparison puts side by side, and where to find it.</summary>
/// <param name="Row">The characteristic of the seeds' table it belongs to.</param>
/// <param name="Label">What it is, e.g. "posix_spawn + waitpid (/bin/true)".</param>
/// <param name="Level">The layer it is measured at.</param>
/// <param name="Unit">The unit of the number.</param>
/// <param name="Value">Reads the number from a report; null when that report does not have it.</param>
internal sealed record KeyFigure(string Row, string Label, Level Level, string Unit, Func<LabReport, double?> Value);

/// <summary>The numbers behind each row of the seeds' table, as the verdicts read them, for comparing two machines.</summary>
internal static class KeyFigures
{
    public static IReadOnlyList<KeyFigure> For(LabReport a, LabReport b) =>
    [
        Figure("Memory Space", "PSS per idle process (/bin/cat)", Level.Os, "memory", "PSS per extra process", "KiB"),
        Figure("Memory Space", "PSS per parked pthread", Level.Os, "memory", "PSS per extra pthread", "KiB"),
        Figure("Memory Space", "PSS per WorkerPool worker process", Level.DotNet, "memory", "PSS per extra WorkerPool process worker", "KiB"),
        Figure("Memory Space", "PSS per parked Thread", Level.DotNet, "memory", "PSS per extra thread", "KiB"),
        Figure("Creation Overhead", "posix_spawn + waitpid (/bin/true)", Level.Os, "creation", "posix_spawn+waitpid (/bin/true)", "µs"),
        Figure("Creation Overhead", "pthread_create + join", Level.Os, "creation", "pthread_create+join", "µs"),
        Figure("Creation Overhead", "WorkerProcess start + exit", Level.DotNet, "creation", "WorkerProcess start+exit", "µs"),
        Figure("Creation Overhead", "new Thread start + join", Level.DotNet, "creation", "thread start+join", "µs"),
        .. SwitchFigures(a, b),
        Figure("Context Switching", "pipe ping-pong, two processes", Level.Os, "context-switch", "pipe ping-pong, two processes", "µs/switch"),
        Figure("Context Switching", "pipe ping-pong, two threads", Level.Os, "context-switch", "pipe ping-pong, two threads", "µs/switch"),
        Figure("Context Switching", "perf bench sched pipe, processes, pinned", Level.Os, "context-switch", PerfCrossCheck.Series(Subject.Process, pinned: true), "µs/switch"),
        Figure("Context Switching", "perf bench sched pipe -T, threads, pinned", Level.Os, "context-switch", PerfCrossCheck.Series(Subject.Thread, pinned: true), "µs/switch"),
        Figure("Context Switching", "SharedEvent ping-pong, two processes", Level.DotNet, "context-switch", "Spindle SharedEvent ping-pong, two processes", "µs/switch"),
        Figure("Context Switching", "SharedEvent ping-pong, two threads", Level.DotNet, "context-switch", "Spindle SharedEvent ping-pong, two threads", "µs/switch"),
        new("Concurrency", "speedup on all cores, worker processes", Level.DotNet, "x", r => AllCores(r, "WorkerPool (process isolation)")),
        new("Concurrency", "speedup on all cores, threads", Level.DotNet, "x", r => AllCores(r, "Threads")),
        new("Concurrency", "speedup on all cores, Python threads", Level.Python, "x", r => AllCores(r, "Python threading.Thread")),
        Figure("Inter-communication", "64 B one-way, shared memory, two processes", Level.Os, "communication", new RawChannelRow("shm", Subject.Process).Series, "µs one-way", 64),
        Figure("Inter-communication", "64 B one-way, pipe, two processes", Level.Os, "communication", new RawChannelRow("pipe", Subject.Process).Series, "µs one-way", 64),
        Figure("Inter-communication", "64 B one-way, Unix socket, two processes", Level.Os, "communication", new RawChannelRow("socket", Subject.Process).Series, "µs one-way", 64),
        Figure("Inter-communication", "64 B one-way, shared memory, two threads", Level.Os, "communication", new RawChannelRow("shm", Subject.Thread).Series, "µs one-way", 64),
        Figure("Inter-communication", "64 B one-way, Spindle Pipe, two processes", Level.DotNet, "communication", "Spindle Pipe, two processes", "µs one-way", 64),
        Figure("Inter-communication", "64 B one-way, pool of worker threads", Level.DotNet, "communication", new SpindlePoolRow(Isolation.Thread).Series, "µs one-way", 64),
        new("Example Use Case", "memory per I/O wait, one thread each", Level.DotNet, "KiB", r => Io(r, Subject.Thread, Origin.Raw)),
        new("Example Use Case", "memory per I/O wait, one process each", Level.Os, "KiB", r => Io(r, Subject.Process, Origin.Raw)),
        new("Example Use Case", "memory per I/O wait, async task", Level.DotNet, "KiB", r => Io(r, Subject.Async, Origin.Raw)),
    ];

    /// <summary>The median of one measurement in <paramref name="report"/>, or null.</summary>
    public static double? Median(LabReport report, string experiment, string series, string unit, double? x = null) =>
        report.Experiment(experiment)?.Measurements.FirstOrDefault(m => m.Series == series && m.Unit == unit && m.X == x)?.Median;

    private static KeyFigure Figure(string row, string label, Level level, string experiment, string series, string unit, double? x = null) =>
        new(row, label, level, unit, r => Median(r, experiment, series, unit, x));

    /// <summary>The futex switch at every working-set size either report measured.</summary>
    private static IEnumerable<KeyFigure> SwitchFigures(LabReport a, LabReport b)
    {
        double[] sizes = [.. new[] { a, b }.SelectMany(r => r.Experiment("context-switch")?.Measurements ?? [])
            .Where(m => m.Unit == "µs/switch" && m.X is not null).Select(m => m.X!.Value).Distinct().Order()];
        foreach (double size in sizes)
        {
            string set = size == 0 ? "no working set" : $"{CommunicationExperiment.Bytes((int)size)} working set";
            foreach (string sides in new[] { "processes", "threads" })
            {
                yield return Figure("Context Switching", $"futex ping-pong, two {sides}, {set}", Level.Os, "context-switch", $"futex ping-pong, two {sides}", "µs/switch", size);
            }
        }
    }

    /// <summary>Speedup with as many workers as the report's machine had cores (at most the scaling cap).</summary>
    private static double? AllCores(LabReport report, string series) =>
        Median(report, "cpu-scaling", series, "x speedup", CpuScalingExperiment.UsedCores(report.Machine.Cores));

    private static double? Io(LabReport report, Subject subject, Origin origin) =>
        report.Experiment("io-concurrency")?.Measurements.FirstOrDefault(m => m.Subject == subject && m.Origin == origin && m.Unit == "KiB per wait")?.Median;
}
