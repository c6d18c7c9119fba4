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

    public static int[] Counts => [.. Enumerable.Range(1, 2 * ExperimentContext.Cores)];

    public string Method(LabScale scale) =>
        $"A fixed amount of xorshift work (about {Target(scale).TotalMilliseconds:0} ms on one core, calibrated at the start) split evenly over k = 1…{2 * ExperimentContext.Cores} " +
        $"workers (N = {ExperimentContext.Cores} cores); a sample is the wall time of one run ({scale.Repetitions} samples per k); speedup = median time at k = 1 / time. " +
        ".NET: raw Threads; Spindle WorkerPool with thread and with process isolation (2N workers, started before timing). Python (same kernel, the seeds' " +
        "language): threading.Thread and multiprocessing.Pool (started before timing).";

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        LabScale scale = context.Scale;
        long work = CpuKernel.Calibrate(Target(scale));
        result.Facts.Add(new Fact("work", $"{work:N0} xorshift iterations in total per run"));
        context.Report(0.05, "raw threads");
        Add(result, "Threads", Subject.Thread, Origin.Raw, Counts.ToDictionary(k => k, k => Repeat(scale.Repetitions, () => RunThreads(k, work))));

        foreach (Isolation isolation in new[] { Isolation.Thread, Isolation.Process })
        {
            context.Report(isolation == Isolation.Thread ? 0.3 : 0.5, $"WorkerPool ({isolation})");
            await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = isolation, Workers = Counts.Max() });
            await pool.WarmUpAsync(context.CancellationToken);
            await Task.WhenAll(Counts.Select(_ => pool.RunAsync(static n => CpuKernel.Burn(n), 1000L)));
            var times = new Dictionary<int, double[]>();
            foreach (int k in Counts)
            {
                var samples = new double[scale.Repetitions];
                for (int rep = 0; rep < samples.Length; rep++)
                {
                    long start = Stopwatch.GetTimestamp();
                    await Task.WhenAll(Enumerable.Range(0, k).Select(_ => pool.RunAsync(static n => CpuKernel.Burn(n), work / k)));
                    samples[rep] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                }

                times[k] = samples;
            }

            Subject subject = isolation == Isolation.Process ? Subject.Process : Subject.Thread;
            Add(result, $"WorkerPool ({isolation.ToString().ToLowerInvariant()} isolation)", subject, Origin.Spindle, times);
        }

        foreach (string mode in new[] { "thread", "process" })
        {
            context.Report(mode == "thread" ? 0.7 : 0.85, $"Python {mode}s");
            string series = mode == "thread" ? "Python threading.Thread" : "Python multiprocessing.Pool";
            if (context.Python.MissingReason is { } missing)
            {
                result.Missing.Add(new MissingPart(series, missing));
                continue;
            }

            Dictionary<int, double[]> seconds = await PythonScaling.RunAsync(context, mode, Target(scale), scale.Repetitions, Counts);
            Add(result, series, mode == "thread" ? Subject.Thread : Subject.Process, Origin.Python,
                seconds.ToDictionary(p => p.Key, p => p.Value.Select(s => s * 1000).ToArray()));
        }

        context.Report(1, "done");
    }

    private static void Add(ExperimentResult result, string series, Subject subject, Origin origin, Dictionary<int, double[]> milliseconds)
    {
        double single = Measurement.MedianOf(milliseconds[1]);
        foreach ((int k, double[] samples) in milliseconds.OrderBy(p => p.Key))
        {
            result.Measurements.Add(new Measurement { Series = series, Subject = subject, Origin = origin, Unit = "ms", X = k, XUnit = "workers", Samples = samples });
            result.Measurements.Add(new Measurement
            {
                Series = series, Subject = subject, Origin = origin, Unit = "x speedup", X = k, XUnit = "workers",
                Samples = [.. samples.Select(s => single / s)], Note = "median time with 1 worker / time",
            });
        }
    }

    private static double[] Repeat(int count, Func<double> sample) => [.. Enumerable.Range(0, count).Select(_ => sample())];

    private static double RunThreads(int k, long work)
    {
        var threads = Enumerable.Range(0, k).Select(_ => new Thread(() => CpuKernel.Burn(work / k))).ToArray();
        long start = Stopwatch.GetTimestamp();
        Array.ForEach(threads, t => t.Start());
        Array.ForEach(threads, t => t.Join());
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static TimeSpan Target(LabScale scale) => TimeSpan.FromMilliseconds(scale.Pick(150, 500));
}
