using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 11. Where <c>SharedMemoryThreshold</c> should sit: arguments (<c>RunAsync(a => a.Length, array)</c>) and results (a
/// worker returning an array it holds) of 64 KiB to 256 MiB of doubles, each through shared memory (a pool whose
/// threshold is 1 byte) and over the channel (a pool with the threshold off), GB/s counting the value once. The last
/// row gives the smallest size from which shared memory wins both ways, against the default threshold.
/// </summary>
internal static class SizeTable
{
    private const double Gigabyte = 1e9;

    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        long[] sizes = settings.Quick
            ? [64 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20]
            : [64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20, 64 << 20, 256 << 20];
        await using var shared = new WorkerPool(new WorkerPoolOptions { Workers = 1, SharedMemoryThreshold = 1, MaxMessageBytes = int.MaxValue });
        await using var channel = new WorkerPool(new WorkerPoolOptions { Workers = 1, SharedMemoryThreshold = null, MaxMessageBytes = int.MaxValue });
        await Task.WhenAll(shared.WarmUpAsync(), channel.WarmUpAsync()).WaitAsync(settings.CallTimeout);

        var rows = new List<Row>();
        long? crossover = null;
        foreach (long size in sizes)
        {
            double[] array = new double[size / sizeof(double)];
            array.AsSpan().Fill(1.5);
            int count = array.Length;
            var samples = new Dictionary<string, List<double>> { ["as"] = [], ["ac"] = [], ["rs"] = [], ["rc"] = [] };
            for (int round = 0; round < 2; round++)
            {
                // Alternated, so drift on the machine hits both roads alike; the first round warms each size up.
                List<double>? keep(string key) => round == 0 ? null : samples[key];
                await TimeAsync(() => shared.RunAsync(a => a.Length, array), size, keep("as"), settings);
                await TimeAsync(() => channel.RunAsync(a => a.Length, array), size, keep("ac"), settings);
                await TimeAsync(() => shared.RunAsync(HeldArray, count), size, keep("rs"), settings);
                await TimeAsync(() => channel.RunAsync(HeldArray, count), size, keep("rc"), settings);
            }

            string label = Label(size);
            Metric argShared = Metric.Of(samples["as"], Unit.GigabytesPerSecond), argChannel = Metric.Of(samples["ac"], Unit.GigabytesPerSecond);
            Metric resShared = Metric.Of(samples["rs"], Unit.GigabytesPerSecond), resChannel = Metric.Of(samples["rc"], Unit.GigabytesPerSecond);
            rows.Add(new Row($"11.{label}a", $"{label} double[] argument through shared memory", "the same over the channel", Goal.ReportOnly) { Spindle = argShared, Baseline = argChannel });
            rows.Add(new Row($"11.{label}r", $"{label} double[] result through shared memory", "the same over the channel", Goal.ReportOnly) { Spindle = resShared, Baseline = resChannel });
            bool sharedWins = argShared.Summary.Median > argChannel.Summary.Median && resShared.Summary.Median > resChannel.Summary.Median;
            crossover = sharedWins ? crossover ?? size : null;
        }

        long threshold = new WorkerPoolOptions().SharedMemoryThreshold ?? 0;
        rows.Add(new Row("11z", $"smallest size from which shared memory wins both ways{(crossover is null ? ": none measured" : "")}", "the default SharedMemoryThreshold", Goal.ReportOnly)
        {
            Spindle = crossover is { } c ? Metric.Of([c / 1048576.0], Unit.Mebibytes) : null,
            SpindleProblem = crossover is null ? "shared memory never won both ways from some size on" : null,
            Baseline = Metric.Of([threshold / 1048576.0], Unit.Mebibytes),
        });
        return rows;
    }

    /// <summary>A result the worker does not allocate per call, so the figure is the road's, not the allocator's.</summary>
    private static double[] HeldArray(int count)
    {
        if (Held.Value is not { } held || held.Length != count)
        {
            held = new double[count];
            held.AsSpan().Fill(2.5);
            Held.Value = held;
        }

        return held;
    }

    private static class Held
    {
        public static double[]? Value;
    }

    private static async Task TimeAsync<T>(Func<Task<T>> call, long bytes, List<double>? samples, BenchSettings settings)
    {
        long budget = Stopwatch.Frequency / (settings.Quick ? 10 : 3);
        long began = Stopwatch.GetTimestamp();
        int done = 0;
        while (done < 3 || Stopwatch.GetTimestamp() - began < budget)
        {
            long start = Stopwatch.GetTimestamp();
            await call().WaitAsync(settings.CallTimeout);
            samples?.Add(bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / Gigabyte);
            if (++done >= 200)
            {
                break;
            }
        }
    }

    private static string Label(long size) =>
        size >= 1 << 20 ? (size >> 20).ToString(CultureInfo.InvariantCulture) + "M" : (size >> 10).ToString(CultureInfo.InvariantCulture) + "K";
}
