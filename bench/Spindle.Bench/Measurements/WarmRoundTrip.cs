using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 1. One tiny call (int -> int) to a warm worker process and back, timed call by call, against a raw 64-byte
/// Unix-socket ping-pong and against Python's ProcessPoolExecutor.
/// </summary>
internal static class WarmRoundTrip
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        int perRound = settings.RoundTripCallsPerRound;
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        await pool.WarmUpAsync().WaitAsync(settings.CallTimeout);
        using UdsPingPong uds = await UdsPingPong.StartAsync(settings.CallTimeout);

        // Warm both sides (JIT tiers, caches, socket buffers), then alternate rounds so drift hits both alike.
        await CallsAsync(pool, perRound, samples: null);
        uds.Run(perRound, samples: null);

        // The Python peer runs once per round (a fresh interpreter, warmed inside) so it shares the rounds' conditions.
        int pythonPerRound = settings.PythonRoundTripCalls / settings.RoundTripRounds;
        PeerSeries peer = python.Series("futures_roundtrip.py", "samples_us", Unit.Microseconds, settings.PeerTimeout,
            "--executor", "process", "--workers", "1", "--calls", pythonPerRound.ToString(CultureInfo.InvariantCulture));
        var spindle = new List<double>();
        var raw = new List<double>();
        for (int round = 0; round < settings.RoundTripRounds; round++)
        {
            await CallsAsync(pool, perRound, spindle);
            uds.Run(perRound, raw);
            await peer.RunOnceAsync();
        }

        Metric calls = Metric.Of(spindle, Unit.Microseconds);
        string title = $"Warm round trip int->int, Process, 1 worker ({spindle.Count:N0} calls)";
        return
        [
            new Row("1a", title, $"raw UDS 64 B ping-pong, 2 processes ({raw.Count:N0})", Goal.AtMostTimes(2)) { Spindle = calls, Baseline = Metric.Of(raw, Unit.Microseconds) },
            new Row("1b", title, $"Python ProcessPoolExecutor(1) submit+result{peer.CountSuffix}", Goal.AtLeastFaster(10))
            {
                Spindle = calls,
                Baseline = peer.Metric,
                BaselineProblem = peer.Problem,
            },
        ];
    }

    // No per-call timeout here: a timer per call would be measured too. The whole measurement is bounded by the caller.
    private static async Task CallsAsync(WorkerPool pool, int count, List<double>? samples)
    {
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            int result = await pool.RunAsync(x => x + 1, i);
            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (result != i + 1)
            {
                throw new InvalidOperationException($"The call returned {result} for {i}.");
            }
        }
    }
}
