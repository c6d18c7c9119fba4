using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;
using Spindle.Interop;

namespace Spindle.Lab.Experiments;

/// <summary>Isolation: an unhandled exception on a thread ends its whole process; a crashed worker process leaves the pool serving.</summary>
internal sealed class IsolationExperiment : IExperiment
{
    /// <summary>How long any one step may take before the experiment gives up on it (and reports so) instead of hanging.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public string Name => "isolation";

    public string Title => "Isolation and stability";

    public string Method(LabScale scale) =>
        "Thread: a sacrificial WorkerProcess starts a new Thread that throws and never catches; how the process ended is reported (its main " +
        $"thread was still waiting). Process: a WorkerPool with 2 process workers; {Crashes(scale)} times a call makes its worker segfault for real (native code writes to an unmapped address) " +
        $"and a worker is SIGKILLed from outside; after each kill, {Calls(scale)} more calls must be answered (calls the pool sent to the killed " +
        "worker before noticing its death are counted separately). A sample is the time from the crash or kill until the pool answers a new call. Also: a call throwing on a thread-isolation pool fails alone, and a raw child process killed " +
        "by SIGSEGV leaves this process running.";

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        context.Report(0, "unhandled exception on a thread");
        var victim = new WorkerProcess(ThrowOnNewThread) { StartTimeout = TimeSpan.FromSeconds(60) };
        victim.Start();
        Task joined = victim.JoinAsync();
        bool ended = await Task.WhenAny(joined, Task.Delay(TimeSpan.FromSeconds(60))) == joined;
        result.Facts.Add(new Fact("thread crash: whole process ended", ended ? "yes" : "no (still running after 60 s)"));
        if (victim.Exit is { } exit)
        {
            result.Facts.Add(new Fact("thread crash: process exit", Describe(exit.ExitCode, exit.SignalName, exit.Cause)));
        }
        else
        {
            victim.Kill();
        }

        context.Report(0.25, "crashes in a pool of worker processes");
        await PoolCrashesAsync(context, result);

        context.Report(0.75, "exception in a thread-isolation pool");
        await using (var threads = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = 2 }))
        {
            string failed = "no exception";
            try
            {
                await threads.RunAsync(static () => ThrowingCall()).WaitAsync(Bound);
            }
            catch (InvalidOperationException e)
            {
                failed = $"{e.GetType().Name} reached the caller";
            }

            int after = (await Task.WhenAll(Enumerable.Range(0, Calls(context.Scale)).Select(i => threads.RunAsync(static x => x, i))).WaitAsync(Bound)).Length;
            result.Facts.Add(new Fact("thread pool: throwing call", $"{failed}; {after}/{Calls(context.Scale)} later calls answered"));
        }

        context.Report(0.9, "raw child killed by SIGSEGV");
        using (Process raw = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "kill -SEGV $$"]) { UseShellExecute = false })!)
        {
            await raw.WaitForExitAsync(context.CancellationToken);
            result.Facts.Add(new Fact("raw process crash", $"child exited with {raw.ExitCode} (128 + 11 = SIGSEGV); this process kept running"));
        }

        context.Report(1, "done");
    }

    private static async Task PoolCrashesAsync(ExperimentContext context, ExperimentResult result)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2, MaxRestarts = 1000 });
        try
        {
            await CrashRepeatedlyAsync(pool, context, result);
        }
        catch (TimeoutException)
        {
            // A call that never returns must not hold up the pool's shutdown (which waits for accepted calls).
            await pool.TerminateAsync();
            throw;
        }
    }

    private static async Task CrashRepeatedlyAsync(WorkerPool pool, ExperimentContext context, ExperimentResult result)
    {
        await pool.WarmUpAsync(context.CancellationToken).WaitAsync(Bound);
        var recoverSegv = new List<double>();
        var recoverKill = new List<double>();
        int answered = 0;
        int expected = 0;
        int lostToKill = 0;
        var crashedCalls = new List<string>();
        for (int i = 0; i < Crashes(context.Scale); i++)
        {
            long start = Stopwatch.GetTimestamp();
            try
            {
                await Within(pool.RunAsync(static () => RaiseSegfault()), "a call whose worker segfaults");
                crashedCalls.Add("returned normally");
            }
            catch (WorkerCrashedException e)
            {
                crashedCalls.Add($"WorkerCrashedException ({e.Signal ?? e.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
            }

            await Within(pool.RunAsync(static () => 1), "the first call after a segfault");
            recoverSegv.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);

            start = Stopwatch.GetTimestamp();
            KillOneWorker(pool);

            // Calls sent before the pool notices the death fail like the call that was running; count them, then
            // every later call must be answered.
            while (true)
            {
                try
                {
                    await Within(pool.RunAsync(static () => 1), "the first call after a kill");
                    break;
                }
                catch (WorkerCrashedException)
                {
                    lostToKill++;
                }
            }

            recoverKill.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            Task<int>[] later = [.. Enumerable.Range(0, Calls(context.Scale)).Select(n => pool.RunAsync(static x => x, n))];
            await Within(Task.WhenAll(later).ContinueWith(static _ => { }, TaskScheduler.Default), "the calls after a kill");
            answered += later.Count(t => t.IsCompletedSuccessfully);
            expected += later.Length;
        }

        result.Measurements.Add(new Measurement { Series = "pool: SIGSEGV in a call until the next answer", Subject = Subject.Process, Origin = Origin.Spindle, Level = Level.DotNet, Unit = "ms", Samples = recoverSegv });
        result.Measurements.Add(new Measurement { Series = "pool: worker SIGKILLed until the next answer", Subject = Subject.Process, Origin = Origin.Spindle, Level = Level.DotNet, Unit = "ms", Samples = recoverKill });
        result.Facts.Add(new Fact("process crash: crashed call", string.Join("; ", crashedCalls.Distinct())));
        result.Facts.Add(new Fact("process crash: calls answered after crashes", $"{answered}/{expected}"));
        result.Facts.Add(new Fact("process crash: pool still serving", pool.State.ToString()));
        result.Facts.Add(new Fact("process crash: calls sent to a killed worker before the pool noticed", $"{lostToKill} failed with WorkerCrashedException"));
    }

    private static async Task Within(Task task, string step)
    {
        if (await Task.WhenAny(task, Task.Delay(Bound)) != task)
        {
            throw new TimeoutException($"{step} did not finish within {Bound.TotalSeconds:0} s (a pool call that never completes)");
        }

        await task;
    }

    private static void KillOneWorker(WorkerPool pool)
    {
        foreach (WorkerInfo worker in pool.GetWorkers())
        {
            try
            {
                using Process process = Process.GetProcessById(worker.Id);
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(30));
                return;
            }
            catch (ArgumentException)
            {
                // That worker is already gone (being replaced); take the next.
            }
        }

        throw new InvalidOperationException("The pool had no live worker to kill.");
    }

    private static string Describe(int? exitCode, string? signal, string cause) =>
        $"exit code {exitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}{(signal is null ? string.Empty : $", signal {signal}")}: {cause}";

    /// <summary>Runs in the sacrificial process: an exception nobody catches, on a thread of its own.</summary>
    private static void ThrowOnNewThread()
    {
        LabNative.SilenceStandardError();
        var thread = new Thread(static () => throw new InvalidOperationException("unhandled on a thread: the runtime ends the whole process"));
        thread.Start();
        thread.Join();
    }

    private static int RaiseSegfault()
    {
        LabNative.SilenceStandardError();
        LabNative.Segfault();
        return 0;
    }

    private static int ThrowingCall() => throw new InvalidOperationException("this call fails; the pool does not");

    private static int Crashes(LabScale scale) => scale.Pick(2, 5);

    private static int Calls(LabScale scale) => scale.Pick(10, 50);
}
