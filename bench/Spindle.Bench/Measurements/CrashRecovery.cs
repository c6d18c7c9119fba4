using System.Diagnostics;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 8–10. What a crash costs: from a worker's SIGKILL to its replacement serving a call (against a bare hello world's
/// start-to-exit), a call whose first attempt kills its worker and is retried (against the same call without the
/// crash), and throughput while a worker is killed every 50 ms (against the same pool with no faults).
/// </summary>
internal static class CrashRecovery
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        int reps = settings.Quick ? 4 : 10;
        var replacement = new List<double>();
        var hello = new List<double>();
        var retried = new List<double>();
        var clean = new List<double>();
        var options = new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1, RetriesOnCrash = 1, MaxRestarts = 10_000 };
        await using (var pool = new WorkerPool(options))
        {
            await pool.WarmUpAsync().WaitAsync(settings.CallTimeout);
            for (int rep = 0; rep < reps; rep++)
            {
                replacement.Add(await KillAndTimeReplacementAsync(pool, settings.CallTimeout));
                hello.Add(await HelloStartToExitAsync(settings.CallTimeout));
                await pool.RunAsync(CrashOnce, "none").WaitAsync(settings.CallTimeout); // the fresh worker's first call compiles the method
                clean.Add(await TimeAsync(() => pool.RunAsync(CrashOnce, "none"), settings.CallTimeout));
                string marker = Path.Combine(Path.GetTempPath(), $"spindle-bench-{Guid.NewGuid():N}");
                retried.Add(await TimeAsync(() => pool.RunAsync(CrashOnce, marker), settings.CallTimeout));
                File.Delete(marker);
            }
        }

        (double chaos, double calm, int kills) = await ThroughputUnderKillsAsync(settings);
        return
        [
            new Row("8", $"Worker SIGKILLed -> replacement serves a call ({reps} reps)", "dotnet exec HelloWorld.dll, start to exit", Goal.ReportOnly)
            {
                Spindle = Metric.Of(replacement, Unit.Milliseconds),
                Baseline = Metric.Of(hello, Unit.Milliseconds),
            },
            new Row("9", $"Call whose first attempt kills its worker, RetriesOnCrash 1 ({reps} reps)", "the same call, no crash", Goal.ReportOnly)
            {
                Spindle = Metric.Of(retried, Unit.Milliseconds),
                Baseline = Metric.Of(clean, Unit.Milliseconds),
            },
            new Row("10", $"Throughput of ~0.2 ms calls, 2 workers, one SIGKILLed every 50 ms ({kills} kills), RetriesOnCrash 5", "the same pool and calls, no kills", Goal.ReportOnly)
            {
                Spindle = Metric.Of([chaos], Unit.CallsPerSecond),
                Baseline = Metric.Of([calm], Unit.CallsPerSecond),
            },
        ];
    }

    private static async Task<double> KillAndTimeReplacementAsync(WorkerPool pool, TimeSpan timeout)
    {
        int victim = pool.GetWorkers()[0].Id;
        long start = Stopwatch.GetTimestamp();
        Process.GetProcessById(victim).Kill();
        while (true)
        {
            int pid = await pool.RunAsync(() => Environment.ProcessId).WaitAsync(timeout);
            if (pid != victim)
            {
                return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }

            // The kill had not landed yet and the old worker answered; ask again.
            await Task.Yield();
        }
    }

    private static async Task<double> HelloStartToExitAsync(TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        (int code, _, string stderr) = await Launch.RunToExitAsync(Launch.HelloWorld(), timeout);
        return code == 0 ? Stopwatch.GetElapsedTime(start).TotalMilliseconds : throw new InvalidOperationException($"HelloWorld failed: {stderr}");
    }

    private static async Task<double> TimeAsync(Func<Task<int>> call, TimeSpan timeout)
    {
        long start = Stopwatch.GetTimestamp();
        await call().WaitAsync(timeout);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>Kills its own worker the first time it sees <paramref name="marker"/> missing (unless it is "none").</summary>
    private static int CrashOnce(string marker)
    {
        if (marker != "none" && !File.Exists(marker))
        {
            File.WriteAllText(marker, "crashed");
            Process.GetCurrentProcess().Kill();
        }

        return Environment.ProcessId;
    }

    private static async Task<(double Chaos, double Calm, int Kills)> ThroughputUnderKillsAsync(BenchSettings settings)
    {
        int calls = settings.Quick ? 2_000 : 10_000;
        var options = new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2, RetriesOnCrash = 5, MaxRestarts = 100_000, MaxQueuedCalls = calls };
        await using var pool = new WorkerPool(options);
        await pool.WarmUpAsync().WaitAsync(settings.CallTimeout);
        double calm = await FireAllAsync(pool, calls, settings.CallTimeout);
        using var stop = new CancellationTokenSource();
        int kills = 0;
        Task killer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(50);
                IReadOnlyList<WorkerInfo> workers = pool.GetWorkers();
                if (workers.Count > 0)
                {
                    try
                    {
                        Process.GetProcessById(workers[Random.Shared.Next(workers.Count)].Id).Kill();
                        kills++;
                    }
                    catch (ArgumentException)
                    {
                        // Already gone.
                    }
                }
            }
        });
        double chaos = await FireAllAsync(pool, calls, settings.CallTimeout);
        await stop.CancelAsync();
        await killer;
        return (chaos, calm, kills);
    }

    /// <summary>Starts every call, waits for all; a call that exhausted its retries counts as not done.</summary>
    private static async Task<double> FireAllAsync(WorkerPool pool, int calls, TimeSpan timeout)
    {
        var tasks = new Task<long>[calls];
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            tasks[i] = pool.RunAsync(x =>
            {
                Thread.SpinWait(20_000); // ~0.2 ms of work
                return (long)x;
            }, i);
        }

        await ((Task)Task.WhenAll(tasks)).WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return tasks.Count(t => t.IsCompletedSuccessfully) / seconds;
    }
}
