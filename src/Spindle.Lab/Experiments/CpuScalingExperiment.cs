using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle.Pools;

namespace Spindle.Lab.Experiments;

/// <summary>CPU-bound scaling: the same total work split over 1…2N threads or processes; speedup against one.</summary>
internal sealed class CpuScalingExperiment : IExperiment
{
    public string Name => "cpu-scaling";

    public string Title => "CPU-bound scaling (speedup vs one worker)";

    /// <summary>1…2N workers; the quick run keeps 1, N and 2N.</summary>
    public static int[] Counts(LabScale scale) => scale.Quick
        ? [.. new[] { 1, ExperimentContext.Cores, 2 * ExperimentContext.Cores }.Distinct()]
        : [.. Enumerable.Range(1, 2 * ExperimentContext.Cores)];

    public string Method(LabScale scale) =>
        $"A fixed amount of xorshift work (about {Target(scale).TotalMilliseconds:0} ms on one core, calibrated at the start) split evenly over k = {string.Join(", ", Counts(scale))} " +
        $"workers (N = {ExperimentContext.Cores} cores); a sample is the wall time of one run ({scale.Repetitions} samples per k, the kinds of .NET worker alternating round by round); speedup = median time at k = 1 / time. " +
        ".NET: raw Threads; Spindle WorkerPool with thread and with process isolation (2N workers, started before timing). Python (same kernel, the seeds' " +
        "language): threading.Thread and multiprocessing.Pool (started before timing).";

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        LabScale scale = context.Scale;
        int[] counts = Counts(scale);
        long work = CpuKernel.Calibrate(Target(scale));
        result.Facts.Add(new Fact("work", $"{work:N0} xorshift iterations in total per run"));
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
            result.Measurements.Add(new Measurement { Series = series, Subject = subject, Origin = origin, Unit = "ms", X = k, XUnit = "workers", Samples = samples });
            result.Measurements.Add(new Measurement
            {
                Series = series, Subject = subject, Origin = origin, Unit = "x speedup", X = k, XUnit = "workers",
                Samples = [.. samples.Select(s => single / s)], Note = "median time with 1 worker / time",
            });
        }
    }

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
