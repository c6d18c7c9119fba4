using System.Diagnostics;
using System.Runtime.Versioning;
using Spindle.Bench.Harness;
using Spindle.Pools;
using Spindle.Shared;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 6. Large values, 64 MiB of doubles, process isolation, one warm worker, the default SharedMemoryThreshold:
/// <list type="bullet">
/// <item>6a/6b: <c>RunAsync(a => a, array)</c>, GB/s counting 2 x 64 MiB per round trip, against one thread's
/// in-process copy of 64 MiB (goal 0.33x) and against Python's ProcessPoolExecutor with a numpy array (goal 10x).</item>
/// <item>6c/6d: the input in a SharedArray (its producer wrote it there) passed as a <c>ReadOnlyMemory&lt;double&gt;</c>,
/// the worker writing its output once into a new SharedArray it returns; GB/s counting 64 MiB per trip (the data is
/// written once), against the in-process copy (goal 0.8x) and against Python's multiprocessing.shared_memory with
/// numpy views doing the same (report).</item>
/// <item>6e: peak resident memory (VmHWM) of the worker during 6a and 6c, against the parent's over the same time.</item>
/// </list>
/// </summary>
[SupportedOSPlatform("linux")]
internal static class LargeValues
{
    private const int Bytes = 64 * 1024 * 1024;
    private const int Count = Bytes / sizeof(double);
    private const double Gigabyte = 1e9;

    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        PythonPeer numpy = await PythonPeer.WithNumpyAsync(settings.CallTimeout);
        double[] array = new double[Count];
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = i * 0.5;
        }

        using SharedArray<double> input = SharedArray.Create<double>(array);
        byte[] source = new byte[Bytes];
        byte[] destination = new byte[Bytes];
        Random.Shared.NextBytes(source);
        Copy(source, destination);

        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        await pool.WarmUpAsync().WaitAsync(settings.CallTimeout);
        int worker = pool.GetWorkers().Single().Id;
        await RoundTripAsync(pool, array, settings.CallTimeout);
        await WrittenOnceAsync(pool, input, settings.CallTimeout);
        ResetPeak(Environment.ProcessId);
        ResetPeak(worker);

        var roundTrip = new List<double>();
        var writtenOnce = new List<double>();
        var memcpy = new List<double>();
        PeerSeries futures = numpy.Series("large_values.py", "gb_per_s", Unit.GigabytesPerSecond, settings.PeerTimeout, "futures", "--mib", "64", "--reps", "3");
        PeerSeries shared = numpy.Series("large_values.py", "gb_per_s", Unit.GigabytesPerSecond, settings.PeerTimeout, "shared", "--mib", "64", "--reps", "3");
        for (int rep = 0; rep < settings.BigArrayReps; rep++)
        {
            roundTrip.Add(await RoundTripAsync(pool, array, settings.CallTimeout));
            writtenOnce.Add(await WrittenOnceAsync(pool, input, settings.CallTimeout));
            memcpy.Add(Copy(source, destination));
        }

        double workerPeak = PeakMebibytes(worker);
        double parentPeak = PeakMebibytes(Environment.ProcessId);
        for (int round = 0; round < (settings.Quick ? 1 : 3); round++)
        {
            await futures.RunOnceAsync();
            await shared.RunOnceAsync();
        }

        Metric copy = Metric.Of(memcpy, Unit.GigabytesPerSecond);
        Metric trip = Metric.Of(roundTrip, Unit.GigabytesPerSecond);
        Metric once = Metric.Of(writtenOnce, Unit.GigabytesPerSecond);
        string missing = numpy.Available ? "" : Row.NumpyMissing;
        return
        [
            new Row("6a", $"64 MiB double[] round trip, RunAsync(a => a, array), 2 x 64 MiB per trip ({roundTrip.Count} reps)",
                "one thread's in-process copy of 64 MiB (Span.CopyTo)", Goal.AtLeast(0.33)) { Spindle = trip, Baseline = copy },
            new Row("6b", "same round trips", "Python ProcessPoolExecutor(1), 64 MiB numpy array, protocol 5" + futures.CountSuffix, Goal.AtLeastFaster(10))
            {
                Spindle = trip,
                Baseline = futures.Metric,
                BaselineProblem = numpy.Available ? futures.Problem : missing,
            },
            new Row("6c", $"64 MiB SharedArray passed as ReadOnlyMemory<double>, worker returns SharedArray.Create(x.Span), 64 MiB per trip ({writtenOnce.Count} reps)",
                "one thread's in-process copy of 64 MiB (Span.CopyTo)", Goal.AtLeast(0.8)) { Spindle = once, Baseline = copy },
            new Row("6d", "same calls", "Python shared_memory + numpy views, worker np.copyto into a second block" + shared.CountSuffix, Goal.ReportOnly)
            {
                Spindle = once,
                Baseline = shared.Metric,
                BaselineProblem = numpy.Available ? shared.Problem : missing,
            },
            new Row("6e", "peak RSS (VmHWM) of the worker during 6a and 6c", "peak RSS of the parent over the same time", Goal.ReportOnly)
            {
                Spindle = Metric.Of([workerPeak], Unit.Mebibytes),
                Baseline = Metric.Of([parentPeak], Unit.Mebibytes),
            },
        ];
    }

    private static async Task<double> RoundTripAsync(WorkerPool pool, double[] array, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        double[] back = await pool.RunAsync(a => a, array).WaitAsync(timeout);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (back.Length != array.Length || back[^1] != array[^1] || back[12345] != array[12345])
        {
            throw new InvalidOperationException("The array came back different.");
        }

        return 2.0 * Bytes / seconds / Gigabyte;
    }

    private static async Task<double> WrittenOnceAsync(WorkerPool pool, SharedArray<double> input, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        using SharedArray<double> output = await pool.RunAsync((ReadOnlyMemory<double> x) => SharedArray.Create(x.Span), (ReadOnlyMemory<double>)input.Memory).WaitAsync(timeout);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (output.Length != input.Length || output[output.Length - 1] != input[input.Length - 1] || output[12345] != input[12345])
        {
            throw new InvalidOperationException("The output differs from the input.");
        }

        return Bytes / seconds / Gigabyte;
    }

    private static double Copy(byte[] source, byte[] destination)
    {
        long start = Stopwatch.GetTimestamp();
        source.AsSpan().CopyTo(destination);
        return Bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / Gigabyte;
    }

    /// <summary>Starts a new peak for VmHWM (writing 5 to clear_refs; the bench's own workers are its children, same user).</summary>
    private static void ResetPeak(int pid) => File.WriteAllText($"/proc/{pid}/clear_refs", "5");

    private static double PeakMebibytes(int pid)
    {
        string line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024.0;
    }
}
