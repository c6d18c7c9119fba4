using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Measurements;

/// <summary>
/// 7. Resident memory (VmRSS) of a warm, idle worker process beside that of a bare hello world that is kept waiting
/// on its standard input. No goal: context only.
/// </summary>
internal static class IdleMemory
{
    // The runtime finishes start-up work (tiered compilation, GC) in the background shortly after a process goes
    // quiet; both sides are read after the same pause.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    public static async Task<IReadOnlyList<Row>> RunAsync(BenchSettings settings, PythonPeer python)
    {
        var worker = new List<double>();
        var hello = new List<double>();
        for (int rep = 0; rep < settings.MemoryReps; rep++)
        {
            worker.Add(await IdleWorkerAsync(settings.CallTimeout));
            hello.Add(await WaitingHelloWorldAsync(settings.CallTimeout));
        }

        return
        [
            new Row("7", $"Idle worker process RSS after 100 calls ({worker.Count} reps)", "HelloWorld RSS, waiting on stdin", Goal.ReportOnly)
            {
                Spindle = Metric.Of(worker, Unit.Mebibytes),
                Baseline = Metric.Of(hello, Unit.Mebibytes),
            },
        ];
    }

    private static async Task<double> IdleWorkerAsync(TimeSpan timeout)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        for (int i = 0; i < 100; i++)
        {
            await pool.RunAsync(x => x + 1, i).WaitAsync(timeout);
        }

        await Task.Delay(Settle);
        WorkerInfo info = pool.GetWorkers().Single();
        return info.Busy ? throw new InvalidOperationException("The worker is still busy.") : ResidentMebibytes(info.Id);
    }

    private static async Task<double> WaitingHelloWorldAsync(TimeSpan timeout)
    {
        ProcessStartInfo start = Launch.HelloWorld("--wait");
        start.RedirectStandardInput = true;
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("Could not start HelloWorld.");
        try
        {
            string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(timeout);
            if (line is null || !line.StartsWith("Hello", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"HelloWorld printed '{line}'.");
            }

            await Task.Delay(Settle);
            return ResidentMebibytes(process.Id);
        }
        finally
        {
            // Closing its input lets it end by itself; a stuck one is killed.
            process.StandardInput.Close();
            if (!process.WaitForExit(timeout))
            {
                process.Kill();
            }
        }
    }

    /// <summary>VmRSS from /proc/PID/status ("VmRSS:     31234 kB").</summary>
    private static double ResidentMebibytes(int pid)
    {
        string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        string kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
            ?? throw new InvalidOperationException($"No VmRSS for process {pid}.");
        return long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0;
    }
}
