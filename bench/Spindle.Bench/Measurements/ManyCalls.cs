using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 2. Throughput of many independent tiny calls with no chunking: fire them all, await them all, on 2 worker
/// processes; against ProcessPoolExecutor.submit of the same calls.
/// </summary>
internal static class ManyCalls
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        int calls = settings.ManyCalls;

        // MaxQueuedCalls (default 10,000) is raised above the call count: this measures dispatch, not backpressure,
        // so every call is accepted at once instead of the caller waiting for room. Everything else is the default,
        // including PipelineDepth (short calls are sent ahead to busy workers). 2b turns that off (PipelineDepth 1),
        // so each worker gets its next call only after it has answered the last.
        var options = new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2, MaxQueuedCalls = calls + 1 };
        var oneAtATime = new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2, MaxQueuedCalls = calls + 1, PipelineDepth = 1 };
        await using var pool = new WorkerPool(options);
        await using var oneAtATimePool = new WorkerPool(oneAtATime);
        foreach (WorkerPool warm in new[] { pool, oneAtATimePool })
        {
            await warm.WarmUpAsync().WaitAsync(settings.CallTimeout);

            // Unrecorded rounds until the hot paths have been recompiled with their profile (tiered compilation
            // promotes them a while after their first calls): the row measures a warm pool, as Python's warms its own.
            for (int round = 0; round < 5; round++)
            {
                await FireAllAsync(warm, Math.Min(calls, 10_000), settings.CallTimeout);
            }
        }

        PeerSeries peer = python.Series("futures_submit.py", "calls_per_s", Unit.CallsPerSecond, settings.PeerTimeout,
            "--workers", "2", "--calls", calls.ToString(CultureInfo.InvariantCulture), "--reps", "1");
        var rates = new List<double>();
        var oneAtATimeRates = new List<double>();
        for (int rep = 0; rep < settings.ThroughputReps; rep++)
        {
            rates.Add(await FireAllAsync(pool, calls, settings.CallTimeout));
            oneAtATimeRates.Add(await FireAllAsync(oneAtATimePool, calls, settings.CallTimeout));
            await peer.RunOnceAsync();
        }

        return
        [
            new Row("2", $"{calls:N0} tiny calls, 2 workers, no chunking, MaxQueuedCalls {options.MaxQueuedCalls:N0} ({rates.Count} reps)",
                "Python ProcessPoolExecutor(2).submit, same calls", Goal.AtLeastFaster(20))
            {
                Spindle = Metric.Of(rates, Unit.CallsPerSecond),
                Baseline = peer.Metric,
                BaselineProblem = peer.Problem,
            },
            new Row("2b", $"same, with PipelineDepth 1: no call sent ahead to a busy worker ({oneAtATimeRates.Count} reps)",
                "Python ProcessPoolExecutor(2).submit, same calls", Goal.ReportOnly)
            {
                Spindle = Metric.Of(oneAtATimeRates, Unit.CallsPerSecond),
                Baseline = peer.Metric,
                BaselineProblem = peer.Problem,
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
