using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Cluster.Setup;
using Spindle.Bench.Harness;

namespace Spindle.Bench.Cluster.Measurements;

/// <summary>
/// 3. <c>MapAsync(x => x * 2)</c> over millions of ints in chunks, ordered, through 2 agents with 1 worker each, every
/// result consumed; against Dask mapping the same ints the way a Dask user maps a list: the ints as lists of the same
/// chunk size (built inside the timing), <c>client.map(double_chunk, lists)</c>, <c>gather</c>, every result consumed.
/// </summary>
internal static class MapThroughput
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchCluster cluster, AgentPair agents)
    {
        ClusterSettings settings = cluster.Settings;
        int items = settings.MapItems;
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = settings.CallsInFlight }.UseCluster(cluster.Options(BenchCluster.ThroughputCluster)));
        var warming = Stopwatch.StartNew();
        do
        {
            await MapAsync(pool, Math.Min(items, 500_000), settings.MapChunk, settings.CallTimeout);
        }
        while (warming.Elapsed < settings.WarmUp);

        var dask = new PeerSamples(cluster.Peers.DaskProblem);
        var rates = new List<double>();
        for (int rep = 0; rep < settings.MapReps; rep++)
        {
            rates.Add(await MapAsync(pool, items, settings.MapChunk, settings.MeasurementTimeout));
            await dask.RunOnceAsync("dask_peer.py", settings.PeerTimeout, null, "map",
                "--items", items.ToString(CultureInfo.InvariantCulture), "--chunk", settings.MapChunk.ToString(CultureInfo.InvariantCulture));
        }

        return
        [
            new Row("3", $"MapAsync x*2 over {items:N0} ints, ChunkSize {settings.MapChunk:N0}, Ordered, 2 agents x 1 worker ({rates.Count} reps)",
                $"Dask client.map(double_chunk, lists of {settings.MapChunk:N0} ints) + gather, LocalCluster 2x1", Goal.AtLeastFaster(5))
            {
                Spindle = Metric.Of(rates, Unit.ItemsPerSecond),
                Baseline = dask.Metric(Unit.ItemsPerSecond),
                BaselineProblem = dask.Problem,
            },
        ];
    }

    /// <summary>Maps and consumes every result; returns items per second.</summary>
    private static async Task<double> MapAsync(WorkerPool pool, int items, int chunk, TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        var options = new MapOptions { ChunkSize = chunk, Ordered = true };
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
