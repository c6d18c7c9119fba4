using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Cluster.Setup;
using Spindle.Bench.Harness;

namespace Spindle.Bench.Cluster.Measurements;

/// <summary>
/// 2. Many tiny independent calls, no chunking, through 2 agents with 1 worker each: start them all, await them all;
/// against Dask's <c>client.map(inc, range(n))</c> + <c>gather</c> on a LocalCluster of 2 single-threaded worker
/// processes, and Celery's <c>delay</c> + <c>get</c> with 2 prefork processes (context).
/// </summary>
internal static class Throughput
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchCluster cluster, AgentPair agents)
    {
        ClusterSettings settings = cluster.Settings;
        int calls = settings.ManyCalls;
        var options = new WorkerPoolOptions { Workers = settings.CallsInFlight, MaxQueuedCalls = calls + 1 }.UseCluster(cluster.Options(BenchCluster.ThroughputCluster));
        await using var pool = new WorkerPool(options);
        // Unrecorded rounds until the client's and the agents' hot paths have been recompiled with their profile
        // (tiered compilation keeps a young agent's JIT busy for many seconds): the row measures warm agents, as
        // Dask's and Celery's workers are warmed before they are timed.
        var warming = Stopwatch.StartNew();
        for (int round = 0; round < 3 || warming.Elapsed < settings.WarmUp; round++)
        {
            await FireAllAsync(pool, Math.Min(calls, 5_000), settings.CallTimeout);
        }

        string peerCalls = settings.PeerManyCalls.ToString(CultureInfo.InvariantCulture);
        var dask = new PeerSamples(cluster.Peers.DaskProblem);
        var celery = new PeerSamples(cluster.Peers.CeleryProblem ?? cluster.RedisProblem);
        Dictionary<string, string>? broker = cluster.Redis is { } redis ? new() { ["SPINDLE_BENCH_CELERY_BROKER"] = redis.Url } : null;
        var rates = new List<double>();
        var cpuPerCall = new List<double>();
        for (int rep = 0; rep < settings.ThroughputReps; rep++)
        {
            Dictionary<string, double> before = ProcessTreeCpu.ByProcess();
            rates.Add(await FireAllAsync(pool, calls, settings.MeasurementTimeout));
            Dictionary<string, double> after = ProcessTreeCpu.ByProcess();
            cpuPerCall.Add((after.Values.Sum() - before.Values.Sum()) / calls * 1e6);
            if (rep == 0)
            {
                Console.Write($"(CPU µs per call by process: {ProcessTreeCpu.Describe(before, after, calls)}) ");
            }

            await dask.RunOnceAsync("dask_peer.py", settings.PeerTimeout, null, "submit", "--calls", peerCalls);
        }

        Console.Write($"(CPU per call, all processes: {string.Join(", ", cpuPerCall.Select(c => c.ToString("0", CultureInfo.InvariantCulture)))} µs) ");

        await celery.RunOnceAsync("celery_peer.py", settings.PeerTimeout, broker, "submit", "--calls", peerCalls);
        Metric spindle = Metric.Of(rates, Unit.CallsPerSecond);
        string title = $"{calls:N0} tiny calls, 2 agents x 1 worker, no chunking, {settings.CallsInFlight} in flight ({rates.Count} reps)";
        return
        [
            new Row("2", title, $"Dask client.map(inc, range({settings.PeerManyCalls:N0})) + gather, LocalCluster(2 workers x 1 thread, processes)", Goal.AtLeastFaster(20))
            {
                Spindle = spindle,
                Baseline = dask.Metric(Unit.CallsPerSecond),
                BaselineProblem = dask.Problem,
            },
            new Row("2b", "same calls", $"Celery inc.delay(i) x {settings.PeerManyCalls:N0} + get, redis, prefork 2", Goal.ReportOnly)
            {
                Spindle = spindle,
                Baseline = celery.Metric(Unit.CallsPerSecond),
                BaselineProblem = celery.Problem,
            },
        ];
    }

    /// <summary>Starts every call, then waits for all; returns calls per second.</summary>
    private static async Task<double> FireAllAsync(WorkerPool pool, int calls, TimeSpan timeout)
    {
        var tasks = new Task<int>[calls];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            tasks[i] = pool.RunAsync(x => x + 1, i);
        }

        int[] results = await Task.WhenAll(tasks).WaitAsync(timeout);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        long sum = results.Sum(r => (long)r);
        long expected = (long)calls * (calls + 1) / 2;
        return sum == expected ? calls / seconds : throw new InvalidOperationException($"Checksum {sum}, expected {expected}.");
    }
}
