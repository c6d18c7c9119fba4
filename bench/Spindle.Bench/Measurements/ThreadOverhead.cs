using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 4. What Isolation.Thread adds to a tiny call, awaited one at a time: against <c>await Task.Run</c> in the same loop
/// and against Python's ThreadPoolExecutor round trip.
/// </summary>
internal static class ThreadOverhead
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        int perRound = settings.ThreadCallsPerRound;
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = 1 });
        await pool.WarmUpAsync().WaitAsync(settings.CallTimeout);

        await PoolCallsAsync(pool, perRound, samples: null);
        await TaskRunCallsAsync(perRound, samples: null);

        // The Python peer runs once per round (a fresh interpreter, warmed inside) so it shares the rounds' conditions.
        int pythonPerRound = settings.PythonRoundTripCalls / settings.ThreadRounds;
        PeerSeries peer = python.Series("futures_roundtrip.py", "samples_us", Unit.Microseconds, settings.PeerTimeout,
            "--executor", "thread", "--workers", "1", "--calls", pythonPerRound.ToString(CultureInfo.InvariantCulture));
        var spindle = new List<double>();
        var taskRun = new List<double>();
        for (int round = 0; round < settings.ThreadRounds; round++)
        {
            await PoolCallsAsync(pool, perRound, spindle);
            await TaskRunCallsAsync(perRound, taskRun);
            await peer.RunOnceAsync();
        }

        Metric calls = Metric.Of(spindle, Unit.Microseconds);
        string title = $"Isolation.Thread, await RunAsync(x => x + 1) in a loop, 1 worker ({spindle.Count:N0} calls)";
        return
        [
            new Row("4a", title, $"await Task.Run(() => x + 1), same loop ({taskRun.Count:N0})", Goal.AtMostTimes(2)) { Spindle = calls, Baseline = Metric.Of(taskRun, Unit.Microseconds) },
            new Row("4b", title, $"Python ThreadPoolExecutor(1) submit+result{peer.CountSuffix}", Goal.AtLeastFaster(20))
            {
                Spindle = calls,
                Baseline = peer.Metric,
                BaselineProblem = peer.Problem,
            },
        ];
    }

    // No per-call timeout: it would be measured too. The whole measurement is bounded by the caller.
    private static async Task PoolCallsAsync(WorkerPool pool, int count, List<double>? samples)
    {
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            int result = await pool.RunAsync(x => x + 1, i);
            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            Check(result, i);
        }
    }

    private static async Task TaskRunCallsAsync(int count, List<double>? samples)
    {
        for (int i = 0; i < count; i++)
        {
            int x = i;
            long start = Stopwatch.GetTimestamp();
            int result = await Task.Run(() => x + 1);
            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            Check(result, i);
        }
    }

    private static void Check(int result, int i)
    {
        if (result != i + 1)
        {
            throw new InvalidOperationException($"The call returned {result} for {i}.");
        }
    }
}
