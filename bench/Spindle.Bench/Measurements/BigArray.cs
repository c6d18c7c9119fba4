using System.Diagnostics;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 6. A 64 MiB double[] to a worker process and back (<c>RunAsync(a => a, array)</c>, the binary fast path), in
/// GB/s counting both directions; beside a plain in-process copy of 64 MiB for scale. No goal: context only.
/// </summary>
internal static class BigArray
{
    private const int Bytes = 64 * 1024 * 1024;
    private const double Gigabyte = 1e9;

    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        double[] array = new double[Bytes / sizeof(double)];
        for (int i = 0; i < array.Length; i++)
        {
            array[i] = i * 0.5;
        }

        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        await pool.WarmUpAsync().WaitAsync(settings.CallTimeout);
        await RoundTripAsync(pool, array, settings.CallTimeout);

        byte[] source = new byte[Bytes];
        byte[] destination = new byte[Bytes];
        Random.Shared.NextBytes(source);
        Copy(source, destination);

        var spindle = new List<double>();
        var memcpy = new List<double>();
        for (int rep = 0; rep < settings.BigArrayReps; rep++)
        {
            spindle.Add(await RoundTripAsync(pool, array, settings.CallTimeout));
            memcpy.Add(Copy(source, destination));
        }

        return
        [
            new Row("6", $"64 MiB double[] round trip, RunAsync(a => a, array), 2 x 64 MiB per trip ({spindle.Count} reps)",
                "in-process copy of 64 MiB (Span.CopyTo)", Goal.ReportOnly)
            {
                Spindle = Metric.Of(spindle, Unit.GigabytesPerSecond),
                Baseline = Metric.Of(memcpy, Unit.GigabytesPerSecond),
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

    private static double Copy(byte[] source, byte[] destination)
    {
        long start = Stopwatch.GetTimestamp();
        source.AsSpan().CopyTo(destination);
        return Bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / Gigabyte;
    }
}
