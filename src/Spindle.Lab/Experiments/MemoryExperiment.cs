using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Experiments;

/// <summary>Memory: the extra RSS and PSS one more thread costs, against one more process.</summary>
internal sealed class MemoryExperiment : IExperiment
{
    private const string IdleProgram = "/bin/cat";

    public string Name => "memory";

    public string Title => "Memory per thread vs per process";

    public string Method(LabScale scale) =>
        $"Threads: this process's VmRSS and Pss (smaps_rollup) before and after {Threads(scale)} more threads are started and parked; a sample is the " +
        $"difference / {Threads(scale)} ({scale.Repetitions} samples). OS level: pthread_create with a libc start routine (pthread_rwlock_rdlock on a lock the lab " +
        "holds), so no managed code runs on them; .NET level: new Thread and Spindle's WorkerThread, parked on an event. Processes: the RSS and PSS of each of " +
        $"{Processes(scale)} idle {IdleProgram} processes blocked reading stdin (OS level), and of each worker of a warm WorkerPool with {Processes(scale)} process workers " +
        "(.NET level); a sample is one process. PSS splits shared pages (libc, the runtime) among the processes that map them.";

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        if (!context.Proc.Available)
        {
            result.Missing.Add(new MissingPart("all memory measurements", context.Proc.MissingReason));
            return;
        }

        context.Report(0, "pthreads");
        AddThreads(result, context, "pthread", Origin.Raw, Level.Os, count => ParkPthreads(context.Proc, count));
        context.Report(0.1, "threads");
        AddThreads(result, context, "thread", Origin.Raw, Level.DotNet,
            count => ParkManaged(count, static wait => { var t = new Thread(wait) { IsBackground = true }; t.Start(); return t.Join; }));
        context.Report(0.2, "WorkerThreads");
        AddThreads(result, context, "WorkerThread", Origin.Spindle, Level.DotNet,
            count => ParkManaged(count, static wait => { var w = new WorkerThread(wait); w.Start(); return w.Join; }));

        context.Report(0.4, $"idle {IdleProgram} processes");
        if (File.Exists(IdleProgram))
        {
            AddPerProcess(result, "process", Origin.Raw, Level.Os, IdleProcesses(context));
        }
        else
        {
            result.Missing.Add(new MissingPart($"idle process ({IdleProgram})", $"{IdleProgram} does not exist on this machine"));
        }

        context.Report(0.6, "WorkerPool process workers");
        int workers = Processes(context.Scale);
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = workers });
        await pool.WarmUpAsync(context.CancellationToken);
        await Task.WhenAll(Enumerable.Range(0, workers * 4).Select(_ => pool.RunAsync(static () => Environment.ProcessId)));
        int[] pids = [.. pool.GetWorkers().Select(w => w.Id)];
        AddPerProcess(result, "WorkerPool process worker", Origin.Spindle, Level.DotNet, [.. pids.Select(pid => (context.Proc.RssKiB(pid), context.Proc.PssKiB(pid)))]);
        context.Report(1, "done");
    }

    /// <summary>
    /// Parks <paramref name="count"/> more threads per repetition with <paramref name="park"/> and measures what they add.
    /// <paramref name="park"/> returns once every new thread is parked; disposing what it returns releases and joins them.
    /// </summary>
    private static void AddThreads(ExperimentResult result, ExperimentContext context, string name, Origin origin, Level level, Func<int, IDisposable> park)
    {
        int count = Threads(context.Scale);
        var rss = new List<double>();
        var pss = new List<double>();

        // Every repetition adds fresh threads on top of the ones still parked: a thread that exits leaves its stack in
        // the C library's cache, and the next thread would reuse those resident pages and look free.
        var parked = new List<IDisposable>(context.Scale.Repetitions);
        int? threadsBefore = ThreadsOfThisProcess(context.Proc);
        try
        {
            for (int rep = 0; rep < context.Scale.Repetitions; rep++)
            {
                // Settle the heap first: memory the GC gives back while threads start would hide their cost.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                (long? rssBefore, long? pssBefore) = (context.Proc.RssKiB(Environment.ProcessId), context.Proc.PssKiB(Environment.ProcessId));
                parked.Add(park(count));
                (long? rssAfter, long? pssAfter) = (context.Proc.RssKiB(Environment.ProcessId), context.Proc.PssKiB(Environment.ProcessId));
                if (rssBefore is { } rb && rssAfter is { } ra)
                {
                    rss.Add(Math.Max(0, ra - rb) / (double)count);
                }

                if (pssBefore is { } pb && pssAfter is { } pa)
                {
                    pss.Add(Math.Max(0, pa - pb) / (double)count);
                }
            }
        }
        finally
        {
            parked.ForEach(group => group.Dispose());

            // A joined thread's native side (and its stack) goes away a moment later: wait for it, or the next series
            // would see memory freed while it measures and report its threads as free.
            if (threadsBefore is { } before)
            {
                SpinWait.SpinUntil(() => ThreadsOfThisProcess(context.Proc) <= before, TimeSpan.FromSeconds(10));
            }
        }

        Add(result, $"RSS per extra {name}", Subject.Thread, origin, level, rss, context);
        Add(result, $"PSS per extra {name}", Subject.Thread, origin, level, pss, context);
    }

    /// <summary>Starts <paramref name="count"/> managed threads with <paramref name="start"/>, each waiting on one event, and returns once all wait.</summary>
    private static IDisposable ParkManaged(int count, Func<ThreadStart, Action> start)
    {
        var release = new ManualResetEventSlim();
        using var waiting = new CountdownEvent(count);
        var joins = new List<Action>(count);
        for (int i = 0; i < count; i++)
        {
            joins.Add(start(() =>
            {
                waiting.Signal();
                release.Wait();
            }));
        }

        waiting.Wait();
        return new Release(() =>
        {
            release.Set();
            joins.ForEach(join => join());
            release.Dispose();
        });
    }

    /// <summary>Starts <paramref name="count"/> pthreads and returns once the kernel shows every one of them asleep on the lock.</summary>
    private static IDisposable ParkPthreads(ProcFs proc, int count)
    {
        IReadOnlySet<int> before = proc.ThreadIdsOfThisProcess();
        NativeThreads.ParkedThreads threads = NativeThreads.Park(count);
        bool asleep = SpinWait.SpinUntil(() =>
        {
            int[] fresh = [.. proc.ThreadIdsOfThisProcess().Where(tid => !before.Contains(tid))];
            return fresh.Length >= count && fresh.All(proc.IsSleeping);
        }, TimeSpan.FromSeconds(10));
        if (!asleep)
        {
            threads.Dispose();
            throw new TimeoutException($"{count} pthreads were not all asleep on their lock within 10 s.");
        }

        return threads;
    }

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }

    private static int? ThreadsOfThisProcess(ProcFs proc) =>
        int.TryParse(proc.Line(Path.Combine($"{Environment.ProcessId}", "status"), "Threads:"), out int threads) ? threads : null;

    private static (long? Rss, long? Pss)[] IdleProcesses(ExperimentContext context)
    {
        var processes = new List<Process>();
        try
        {
            for (int i = 0; i < Processes(context.Scale); i++)
            {
                processes.Add(Process.Start(new ProcessStartInfo(IdleProgram) { UseShellExecute = false, RedirectStandardInput = true })!);
            }

            // Measure once each is asleep in read(): loaded and done starting up.
            foreach (Process process in processes)
            {
                SpinWait.SpinUntil(() => Sleeping(context.Proc, process.Id), TimeSpan.FromSeconds(10));
            }

            return [.. processes.Select(p => (context.Proc.RssKiB(p.Id), context.Proc.PssKiB(p.Id)))];
        }
        finally
        {
            foreach (Process process in processes)
            {
                process.StandardInput.Close();
                process.WaitForExit(10_000);
                process.Dispose();
            }
        }
    }

    private static bool Sleeping(ProcFs proc, int pid) => proc.Line(Path.Combine($"{pid}", "status"), "State:") is ['S', ..];

    private static void AddPerProcess(ExperimentResult result, string name, Origin origin, Level level, (long? Rss, long? Pss)[] samples)
    {
        var rss = samples.Where(s => s.Rss is not null).Select(s => (double)s.Rss!.Value).ToList();
        var pss = samples.Where(s => s.Pss is not null).Select(s => (double)s.Pss!.Value).ToList();
        Add(result, $"RSS per extra {name}", Subject.Process, origin, level, rss, null);
        Add(result, $"PSS per extra {name}", Subject.Process, origin, level, pss, null);
    }

    private static void Add(ExperimentResult result, string series, Subject subject, Origin origin, Level level, List<double> samples, ExperimentContext? context)
    {
        if (samples.Count == 0)
        {
            result.Missing.Add(new MissingPart(series, context?.Proc.MissingReason ?? "the counter could not be read for these processes"));
            return;
        }

        result.Measurements.Add(new Measurement { Series = series, Subject = subject, Origin = origin, Level = level, Unit = "KiB", Samples = samples });
    }

    private static int Threads(LabScale scale) => scale.Pick(200, 1000);

    private static int Processes(LabScale scale) => scale.Pick(2, 4);
}
