using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 3. MapAsync over many ints in chunks of 1000, ordered, 2 worker processes, from the first item in to the last
/// result out; against ProcessPoolExecutor.map with the same chunk size.
/// </summary>
internal static class MapThroughput
{
    private const int ChunkSize = 1000;

    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        int items = settings.MapItems;
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2 });
        await pool.WarmUpAsync().WaitAsync(settings.CallTimeout);
        await MapAsync(pool, Math.Min(items, 200_000), settings.CallTimeout);

        PeerSeries peer = python.Series("futures_map.py", "items_per_s", Unit.ItemsPerSecond, settings.PeerTimeout,
            "--workers", "2", "--items", items.ToString(CultureInfo.InvariantCulture), "--chunksize", ChunkSize.ToString(CultureInfo.InvariantCulture), "--reps", "1");
        var rates = new List<double>();
        for (int rep = 0; rep < settings.ThroughputReps; rep++)
        {
            rates.Add(await MapAsync(pool, items, settings.MeasurementTimeout));
            await peer.RunOnceAsync();
        }

        return
        [
            new Row("3", $"MapAsync x*2 over {items:N0} ints, ChunkSize {ChunkSize}, Ordered, 2 workers ({rates.Count} reps)",
                $"Python ProcessPoolExecutor(2).map(chunksize={ChunkSize})", Goal.AtLeastFaster(5))
            {
                Spindle = Metric.Of(rates, Unit.ItemsPerSecond),
                Baseline = peer.Metric,
                BaselineProblem = peer.Problem,
            },
        ];
    }

    /// <summary>Maps and consumes every result; returns items per second.</summary>
    private static async Task<double> MapAsync(WorkerPool pool, int items, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var options = new MapOptions { ChunkSize = ChunkSize, Ordered = true };
        long start = Stopwatch.GetTimestamp();
        long sum = 0;
        await foreach (int y in pool.MapAsync(x => x * 2, Enumerable.Range(0, items), options, limit.Token))
        {
            sum += y;
        }

        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long expected = (long)items * (items - 1);
        return sum == expected ? items / seconds : throw new InvalidOperationException($"Checksum {sum}, expected {expected}.");
    }
}
