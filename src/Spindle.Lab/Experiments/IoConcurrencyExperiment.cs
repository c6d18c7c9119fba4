using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;
using Spindle.Interop;

namespace Spindle.Lab.Experiments;

/// <summary>I/O-bound concurrency: many simultaneous waits held by threads, by processes and by async tasks: time and memory.</summary>
internal sealed class IoConcurrencyExperiment : IExperiment
{
    private const string SleepProgram = "/bin/sleep";

    public string Name => "io-concurrency";

    public string Title => "I/O-bound concurrency: many simultaneous waits";

    public string Method(LabScale scale) =>
        $"{Waits(scale):N0} simultaneous simulated I/O waits of {Wait(scale).TotalMilliseconds:0} ms each; a sample is one run ({scale.Repetitions} samples): " +
        $"wall time until every wait is over, and memory while all are waiting. Threads: one raw Thread per wait, blocked in the kernel " +
        $"(nanosleep, like a blocking read); memory = this process's RSS growth / waits. Async: one Task.Delay per wait (memory = managed bytes allocated for the pending waits / waits: they stay inside heap the GC already committed, so RSS does not show them). Processes: one real " +
        $"process per wait is bounded to {Processes(scale)} ({SleepProgram}, started together; memory = their summed PSS / processes); and a Spindle " +
        $"WorkerPool of {PoolWorkers} worker processes each holding {Waits(scale) / PoolWorkers} of the waits as async tasks (memory = summed worker PSS / waits).";

    /// <summary>Twice the cores, capped like the CPU scaling series so a machine with many cores keeps the time budget.</summary>
    private static int PoolWorkers => 2 * CpuScalingExperiment.UsedCores(ExperimentContext.Cores);

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        LabScale scale = context.Scale;
        int waits = Waits(scale);
        TimeSpan wait = Wait(scale);
        var series = new Dictionary<(string Name, Subject Subject, Origin Origin), (List<double> Time, List<double> Memory)>();
        void Add(string name, Subject subject, Origin origin, double milliseconds, double? kib)
        {
            if (!series.TryGetValue((name, subject, origin), out var lists))
            {
                series[(name, subject, origin)] = lists = ([], []);
            }

            lists.Time.Add(milliseconds);
            if (kib is { } k)
            {
                lists.Memory.Add(k);
            }
        }

        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = PoolWorkers });
        await pool.WarmUpAsync(context.CancellationToken);
        for (int rep = 0; rep < scale.Repetitions; rep++)
        {
            context.Report(rep / (double)scale.Repetitions, $"run {rep + 1}");
            (double threadMs, double? threadKiB) = Threads(context.Proc, waits, wait);
            Add($"{waits} threads, one per wait", Subject.Thread, Origin.Raw, threadMs, threadKiB);
            (double asyncMs, double? asyncKiB) = await AsyncTasks(waits, wait);
            Add($"{waits} async tasks (Task.Delay)", Subject.Async, Origin.Raw, asyncMs, asyncKiB);
            if (File.Exists(SleepProgram))
            {
                (double processMs, double? processKiB) = await Processes(context.Proc, Processes(scale), wait);
                Add($"{Processes(scale)} processes, one per wait ({SleepProgram})", Subject.Process, Origin.Raw, processMs, processKiB);
            }

            (double poolMs, double? poolKiB) = await PoolOfProcesses(context.Proc, pool, waits, wait);
            Add($"{waits} waits over {PoolWorkers} WorkerPool processes (async inside)", Subject.Process, Origin.Spindle, poolMs, poolKiB);
        }

        if (!File.Exists(SleepProgram))
        {
            result.Missing.Add(new MissingPart("one process per wait", $"{SleepProgram} does not exist on this machine"));
        }

        foreach (((string name, Subject subject, Origin origin), (List<double> time, List<double> memory)) in series)
        {
            result.Measurements.Add(new Measurement { Series = name, Subject = subject, Origin = origin, Level = LevelOf(subject, origin), Unit = "ms total", Samples = time });
            if (memory.Count > 0)
            {
                result.Measurements.Add(new Measurement { Series = name, Subject = subject, Origin = origin, Level = LevelOf(subject, origin), Unit = "KiB per wait", Samples = memory });
            }
            else
            {
                result.Missing.Add(new MissingPart($"{name}: memory", context.Proc.MissingReason));
            }
        }

        context.Report(1, "done");
    }

    private static (double Milliseconds, double? KiBPerWait) Threads(ProcFs proc, int waits, TimeSpan wait)
    {
        long? before = proc.RssKiB(Environment.ProcessId);
        using var waiting = new CountdownEvent(waits);
        long start = Stopwatch.GetTimestamp();
        var threads = new Thread[waits];
        for (int i = 0; i < waits; i++)
        {
            threads[i] = new Thread(() =>
            {
                waiting.Signal();
                LabNative.BlockingWait(wait);
            }, maxStackSize: 0);
            threads[i].Start();
        }

        waiting.Wait();
        long? during = proc.RssKiB(Environment.ProcessId);
        Array.ForEach(threads, t => t.Join());
        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, PerWait(before, during, waits));
    }

    private static async Task<(double Milliseconds, double? KiBPerWait)> AsyncTasks(int waits, TimeSpan wait)
    {
        // A pending task is a few heap objects inside memory the GC has already committed, so RSS barely moves; what
        // the waits hold is what they allocated (all of it stays reachable until the delay fires).
        long before = GC.GetTotalAllocatedBytes(precise: true);
        long start = Stopwatch.GetTimestamp();
        Task[] tasks = [.. Enumerable.Range(0, waits).Select(_ => Task.Delay(wait))];
        Task all = Task.WhenAll(tasks);
        long held = GC.GetTotalAllocatedBytes(precise: true) - before;
        await all;
        return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, held / 1024.0 / waits);
    }

    private static async Task<(double Milliseconds, double? KiBPerWait)> Processes(ProcFs proc, int count, TimeSpan wait)
    {
        string seconds = wait.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
        var processes = new List<Process>(count);
        long start = Stopwatch.GetTimestamp();
        try
        {
            for (int i = 0; i < count; i++)
            {
                processes.Add(Process.Start(new ProcessStartInfo(SleepProgram, seconds) { UseShellExecute = false })!);
            }

            long?[] pss = [.. processes.Select(p => proc.PssKiB(p.Id))];
            await Task.WhenAll(processes.Select(p => p.WaitForExitAsync()));
            double? perProcess = pss.Any(p => p is not null) ? pss.Where(p => p is not null).Average(p => (double)p!.Value) : null;
            return (Stopwatch.GetElapsedTime(start).TotalMilliseconds, perProcess);
        }
        finally
        {
            processes.ForEach(p => p.Dispose());
        }
    }

    private static async Task<(double Milliseconds, double? KiBPerWait)> PoolOfProcesses(ProcFs proc, WorkerPool pool, int waits, TimeSpan wait)
    {
        int share = waits / PoolWorkers;
        long start = Stopwatch.GetTimestamp();
        Task<int>[] calls = [.. Enumerable.Range(0, PoolWorkers).Select(_ => pool.RunAsync(static (n, ms) => HoldWaits(n, ms), share, (int)wait.TotalMilliseconds))];
        await Task.Delay(wait / 2);
        long?[] pss = [.. pool.GetWorkers().Select(w => proc.PssKiB(w.Id))];
        int held = (await Task.WhenAll(calls)).Sum();
        double elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (held != share * PoolWorkers)
        {
            throw new InvalidOperationException($"The pool held {held} waits instead of {share * PoolWorkers}.");
        }

        return (elapsed, pss.All(p => p is not null) ? pss.Sum(p => p!.Value) / (double)held : null);
    }

    /// <summary>Runs in a worker process: holds <paramref name="count"/> async waits at once.</summary>
    private static int HoldWaits(int count, int milliseconds)
    {
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => Task.Delay(milliseconds))).GetAwaiter().GetResult();
        return count;
    }

    private static double? PerWait(long? before, long? during, int waits) =>
        before is { } b && during is { } d ? Math.Max(0, d - b) / (double)waits : null;

    private static int Waits(LabScale scale) => 1000;

    private static int Processes(LabScale scale) => scale.Pick(50, 200);

    /// <summary>Only the one-process-per-wait row runs no .NET code in its units (/bin/sleep); the threads are .NET threads.</summary>
    private static Level LevelOf(Subject subject, Origin origin) => subject == Subject.Process && origin == Origin.Raw ? Level.Os : Level.DotNet;

    private static TimeSpan Wait(LabScale scale) => TimeSpan.FromMilliseconds(scale.Pick(300, 1000));
}
