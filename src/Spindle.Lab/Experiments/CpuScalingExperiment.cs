using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Experiments;

/// <summary>CPU-bound scaling: the same total work split over 1…2N threads or processes; speedup against one.</summary>
internal sealed class CpuScalingExperiment : IExperiment
{
    public string Name => "cpu-scaling";

    public string Title => "CPU-bound scaling (speedup vs one worker)";

    /// <summary>
    /// The most cores the series uses. Each k runs the same total work, but every worker is started and a pool of
    /// processes holds one .NET runtime per worker: past 64 the series would outlast the lab's time budget.
    /// </summary>
    public const int MaxCores = 64;

    /// <summary>The most points of a default run on a machine with more than four cores.</summary>
    private const int MaxPoints = 8;

    /// <summary>The cores the series goes up to on a machine with <paramref name="cores"/>: all of them, at most <see cref="MaxCores"/>.</summary>
    public static int UsedCores(int cores) => Math.Min(cores, MaxCores);

    /// <summary>
    /// The worker counts k: every k up to 2N on a small machine (2N ≤ 8); otherwise powers of two below N, N, and 2N
    /// (twice the cores shows what oversubscription does, so it is left out when N was capped). Quick runs keep 1, N and 2N.
    /// </summary>
    public static int[] Counts(LabScale scale, int cores)
    {
        int top = UsedCores(cores);
        int[] oversubscribed = cores <= MaxCores ? [2 * top] : [];
        if (scale.Quick)
        {
            return [.. new[] { 1, top }.Concat(oversubscribed).Distinct()];
        }

        if (2 * cores <= MaxPoints)
        {
            return [.. Enumerable.Range(1, 2 * cores)];
        }

        var powers = new List<int>();
        for (int k = 1; k < top; k *= 2)
        {
            powers.Add(k);
        }

        return [.. powers.Append(top).Concat(oversubscribed)];
    }

    /// <summary>The worker counts of this run and the rule behind them, for the report.</summary>
    public static string CountsRule(LabScale scale, int cores)
    {
        string counts = string.Join(", ", Counts(scale, cores));
        string rule = scale.Quick ? "1, N and 2N"
            : 2 * cores <= MaxPoints ? "every k up to 2N"
            : $"powers of two up to N, then N and 2N (at most {MaxPoints} points)";
        return cores > MaxCores
            ? $"k = {counts}: {rule}, with N capped at {MaxCores} of the {cores} cores so the series keeps the lab's time budget (no 2N point: not every core is in use)"
            : $"k = {counts}: {rule}, N = {cores} cores";
    }

    public string Method(LabScale scale) =>
        $"A fixed amount of xorshift work (about {Target(scale).TotalMilliseconds:0} ms on one core, calibrated at the start) split evenly over {CountsRule(scale, ExperimentContext.Cores)}; " +
        $"a sample is the wall time of one run ({scale.Repetitions} samples per k, the kinds of .NET worker alternating round by round); speedup = median time at k = 1 / time. " +
        ".NET: raw Threads; Spindle WorkerPool with thread and with process isolation (as many workers as the largest k, started before timing). Python (same kernel, the seeds' " +
        "language): threading.Thread and multiprocessing.Pool (started before timing).";

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        LabScale scale = context.Scale;
        int[] counts = Counts(scale, ExperimentContext.Cores);
        long work = CpuKernel.Calibrate(Target(scale));
        result.Facts.Add(new Fact("work", $"{work:N0} xorshift iterations in total per run"));
        result.Facts.Add(new Fact("workers", CountsRule(scale, ExperimentContext.Cores)));
        context.Report(0.02, "starting pools");
        await using var threadPool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = counts.Max() });
        await using var processPool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = counts.Max() });
        await processPool.WarmUpAsync(context.CancellationToken);
        foreach (WorkerPool pool in new[] { threadPool, processPool })
        {
            await Task.WhenAll(counts.Select(_ => pool.RunAsync(static n => CpuKernel.Burn(n), 1000L)));
        }

        // Rounds alternate between the three kinds of worker, so drift on a busy machine hits all of them alike.
        string[] series = ["Threads", "WorkerPool (thread isolation)", "WorkerPool (process isolation)"];
        var times = series.ToDictionary(s => s, _ => counts.ToDictionary(k => k, _ => new List<double>()));
        for (int rep = 0; rep < scale.Repetitions; rep++)
        {
            context.Report(0.05 + 0.6 * rep / scale.Repetitions, $".NET round {rep + 1}");
            foreach (int k in counts)
            {
                times[series[0]][k].Add(RunThreads(k, work));
                times[series[1]][k].Add(await RunPoolAsync(threadPool, k, work));
                times[series[2]][k].Add(await RunPoolAsync(processPool, k, work));
            }
        }

        Add(result, series[0], Subject.Thread, Origin.Raw, times[series[0]]);
        Add(result, series[1], Subject.Thread, Origin.Spindle, times[series[1]]);
        Add(result, series[2], Subject.Process, Origin.Spindle, times[series[2]]);

        foreach (string mode in new[] { "thread", "process" })
        {
            context.Report(mode == "thread" ? 0.7 : 0.85, $"Python {mode}s");
            string pythonSeries = mode == "thread" ? "Python threading.Thread" : "Python multiprocessing.Pool";
            if (context.Python.MissingReason is { } missing)
            {
                result.Missing.Add(new MissingPart(pythonSeries, missing));
                continue;
            }

            Dictionary<int, double[]> seconds = await PythonScaling.RunAsync(context, mode, Target(scale), scale.Repetitions, counts);
            Add(result, pythonSeries, mode == "thread" ? Subject.Thread : Subject.Process, Origin.Python,
                seconds.ToDictionary(p => p.Key, p => p.Value.Select(s => s * 1000).ToList()));
        }

        context.Report(1, "done");
    }

    private static void Add(ExperimentResult result, string series, Subject subject, Origin origin, Dictionary<int, List<double>> milliseconds)
    {
        double single = Measurement.MedianOf(milliseconds[1]);
        foreach ((int k, List<double> samples) in milliseconds.OrderBy(p => p.Key))
        {
            result.Measurements.Add(new Measurement { Series = series, Subject = subject, Origin = origin, Level = LevelOf(origin), Unit = "ms", X = k, XUnit = "workers", Samples = samples });
            result.Measurements.Add(new Measurement
            {
                Series = series, Subject = subject, Origin = origin, Level = LevelOf(origin), Unit = "x speedup", X = k, XUnit = "workers",
                Samples = [.. samples.Select(s => single / s)], Note = "median time with 1 worker / time",
            });
        }
    }

    private static Level LevelOf(Origin origin) => origin == Origin.Python ? Level.Python : Level.DotNet;

    private static async Task<double> RunPoolAsync(WorkerPool pool, int k, long work)
    {
        long start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, k).Select(_ => pool.RunAsync(static n => CpuKernel.Burn(n), work / k)));
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double RunThreads(int k, long work)
    {
        var threads = Enumerable.Range(0, k).Select(_ => new Thread(() => CpuKernel.Burn(work / k))).ToArray();
        long start = Stopwatch.GetTimestamp();
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static TimeSpan Target(LabScale scale) => TimeSpan.FromMilliseconds(scale.Pick(100, 400));
}
