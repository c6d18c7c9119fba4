using System.Diagnostics;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 5. A new pool with one worker process, up to its first result (the pool is disposed afterwards, outside the
/// timing), against the start-to-exit time of a bare hello world started the same way (<c>dotnet exec HelloWorld.dll</c>).
/// </summary>
internal static class ColdStart
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        // One unrecorded start of each first: the first start of anything reads its files from disk, later ones
        // from the page cache. Reps alternate so drift hits both alike.
        await PoolToFirstResultAsync(settings.CallTimeout);
        await HelloWorldAsync(settings.CallTimeout);
        var pool = new List<double>();
        var hello = new List<double>();
        for (int rep = 0; rep < settings.ColdStartReps; rep++)
        {
            pool.Add(await PoolToFirstResultAsync(settings.CallTimeout));
            hello.Add(await HelloWorldAsync(settings.CallTimeout));
        }

        return
        [
            new Row("5", $"Cold start: new WorkerPool(Process, 1 worker) -> first result ({pool.Count} reps)",
                "dotnet exec HelloWorld.dll, start to exit", Goal.AtMostTimes(1.5))
            {
                Spindle = Metric.Of(pool, Unit.Milliseconds),
                Baseline = Metric.Of(hello, Unit.Milliseconds),
            },
        ];
    }

    private static async Task<double> PoolToFirstResultAsync(TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        double elapsed;
        try
        {
            int result = await pool.RunAsync(x => x + 1, 41).WaitAsync(timeout);
            elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (result != 42)
            {
                throw new InvalidOperationException($"The first call returned {result}.");
            }
        }
        finally
        {
            await pool.DisposeAsync().AsTask().WaitAsync(timeout);
        }

        return elapsed;
    }

    private static async Task<double> HelloWorldAsync(TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        (int code, string stdout, string stderr) = await Launch.RunToExitAsync(Launch.HelloWorld(), timeout);
        double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return code == 0 && stdout.StartsWith("Hello", StringComparison.Ordinal)
            ? elapsed
            : throw new InvalidOperationException($"HelloWorld exited with code {code}: {stdout}{stderr}");
    }
}
