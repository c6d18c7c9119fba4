using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Evidence;
using static Spindle.Lab.Verdicts.Rules;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The rules judged on the CPU-scaling speedups with every core busy (the use case also on the memory of I/O waits):
/// whether threads and processes run in parallel, and which of them runs CPU-bound and heavy work faster. Running in
/// parallel counts only when the runs with one worker and with every core show it, a speedup comparison only when the
/// per-round speedups show it too (<see cref="SpeedupGap"/>); otherwise "depends".
/// </summary>
internal static class ScalingRules
{
    private const string ThreadSeries = "Threads";
    private const string ProcessSeries = "WorkerPool (process isolation)";
    private const string PythonThreadSeries = "Python threading.Thread";
    private const string PythonProcessSeries = "Python multiprocessing.Pool";

    /// <summary>
    /// Both kinds of worker must run in parallel: with every core busy, each one's runs with one worker must take more
    /// than <see cref="ParallelSpeedup"/> times as long as its runs with every core, shown by the samples of both.
    /// </summary>
    public static Judgement Concurrency(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup(ThreadSeries, n);
        double processes = e.Speedup(ProcessSeries, n);
        double wanted = ParallelSpeedup;
        string python = PythonThreads(e);
        string evidence = $"speedup with {n} workers on {AllCoresText}: .NET threads {Ratio(threads)}, worker processes {Ratio(processes)}{python}";
        string processFigure = $".NET: {Ratio(processes)} on {AllCoresText}{(TryPython(e) is { } pp ? $"; Python: {Ratio(pp.Processes)}" : string.Empty)}";
        string threadFigure = $".NET: {Ratio(threads)} on {AllCoresText}{(TryPython(e) is { } pt ? $"; Python: {Ratio(pt.Threads)}" : string.Empty)}";
        Judgement Say(VerdictOutcome outcome, string why) => new(outcome, evidence, why, processFigure, threadFigure);
        if (n == 1)
        {
            return new(VerdictOutcome.Depends, evidence, "With one core nothing can run in parallel; the claim cannot be tested here.", Ratio(processes), Ratio(threads));
        }

        Separation threadsParallel = e.SpeedupOver(ThreadSeries, n, wanted);
        Separation processesParallel = e.SpeedupOver(ProcessSeries, n, wanted);
        evidence += $"; above {Ratio(wanted)} the speedup with one worker: threads {threadsParallel}, processes {processesParallel}";
        if (threads < wanted || processes < wanted)
        {
            return Say(VerdictOutcome.Depends, "Not both kinds of worker used every core in this run (a loaded machine, or a runtime lock like Python's GIL).");
        }

        (string kind, double speedup, Separation test)? notShown = !threadsParallel.Shown ? (".NET threads", threads, threadsParallel)
            : !processesParallel.Shown ? ("worker processes", processes, processesParallel)
            : null;
        return notShown is { } doubt
            ? Say(VerdictOutcome.Depends, Inconclusive.Overlap($"{doubt.kind} sped up {Ratio(doubt.speedup)} on {AllCoresText} (running in parallel needs over {Ratio(wanted)})", doubt.test))
            : Say(VerdictOutcome.Confirmed, "Both threads and processes ran on all cores at once (speedup near the core count).");
    }

    /// <summary>Judged on both halves of the claim: threads hold I/O waits with less memory, processes run heavy work faster; each half must be shown by the samples.</summary>
    public static Judgement UseCase(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup(ThreadSeries, n);
        double processes = e.Speedup(ProcessSeries, n);
        double threadKiB = e.IoMemory(Subject.Thread, Origin.Raw);
        double processKiB = e.IoMemory(Subject.Process, Origin.Raw);
        double ioRatio = processKiB / threadKiB;
        Separation ioAbove = e.IoMemoryAbove(Subject.Process, Subject.Thread);
        Parity ioWithin = e.IoMemoryWithin(Subject.Process, Subject.Thread, Clearly);
        SpeedupGap gap = Gap(e, threads, processes);
        string evidence = $"heavy CPU work, {n} workers: threads {Ratio(threads)}, processes {Ratio(processes)} ({gap.Test}); " +
            $"{e.IoWaits} I/O waits: {Num(threadKiB)} KiB per thread vs {Num(processKiB)} KiB per process ({(ioRatio >= Clearly ? ioAbove : ioWithin)})";
        Judgement Say(VerdictOutcome outcome, string why) => new(outcome, evidence, why, $"heavy work: {Ratio(processes)}", $"I/O waits: {Num(threadKiB)} KiB each");

        string processPerWait = $"a process per wait cost {Ratio(ioRatio)} the memory of a thread per wait";
        if (ioRatio < Clearly)
        {
            return ioWithin.Shown
                ? Say(VerdictOutcome.Refuted, "Threads were not cheaper for I/O waits here.")
                : Say(VerdictOutcome.Depends, Inconclusive.Scatter(processPerWait, ioWithin));
        }

        if (!ioAbove.Shown)
        {
            return Say(VerdictOutcome.Depends, Inconclusive.Overlap(processPerWait, ioAbove));
        }

        if (NoParallelism(threads, processes) is { } idle)
        {
            return Say(VerdictOutcome.Depends, $"Threads are the cheaper holder of I/O waits; on heavy work: {idle}");
        }

        if (!gap.Shown)
        {
            return Say(VerdictOutcome.Depends, gap.NotShown);
        }

        return gap.ThreadsKeepUp
            ? Say(VerdictOutcome.Depends, "Threads are the cheaper holder of I/O waits, but in .NET they also run heavy CPU work as fast as processes: pick processes for isolation, not for speed.")
            : Say(VerdictOutcome.Confirmed, "Processes ran heavy work faster and threads held I/O waits cheaper.");
    }

    public static Judgement CpuBound(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup(ThreadSeries, n);
        double processes = e.Speedup(ProcessSeries, n);
        SpeedupGap gap = Gap(e, threads, processes);
        string evidence = $"speedup with {n} workers: .NET threads {Ratio(threads)}, .NET worker processes {Ratio(processes)} ({gap.Test}){PythonBoth(e)}";
        if (Undecided(evidence, threads, processes, gap) is { } undecided)
        {
            return undecided;
        }

        if (gap.ThreadsKeepUp && TryPython(e) is { } py && py.Processes >= py.Threads * Clearly)
        {
            Separation gil = e.SpeedupAbove(PythonProcessSeries, PythonThreadSeries, n);
            return gil.Shown
                ? new(VerdictOutcome.Depends, $"{evidence} ({gil})", "True for Python, whose GIL keeps threads on one core; .NET has no GIL and its threads scale like processes.")
                : new(VerdictOutcome.Depends, $"{evidence} ({gil})", Inconclusive.Overlap($"Python processes sped up {Ratio(py.Processes / py.Threads)} as much as Python threads", gil));
        }

        return gap.ThreadsKeepUp
            ? new(VerdictOutcome.Refuted, evidence, ".NET threads reached the same parallel speedup as processes: CPU-bound work needs no processes in .NET.")
            : new(VerdictOutcome.Confirmed, evidence, "Processes scaled clearly better than threads on CPU-bound work here.");
    }

    public static Judgement HeavyTasks(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup(ThreadSeries, n);
        double processes = e.Speedup(ProcessSeries, n);
        SpeedupGap gap = Gap(e, threads, processes);
        string evidence = $"heavy CPU work, {n} workers: threads {Ratio(threads)}, processes {Ratio(processes)} ({gap.Test}); {e.IsolationOutcome.Summary}";
        if (Undecided(evidence, threads, processes, gap) is { } undecided)
        {
            return undecided;
        }

        return gap.ThreadsKeepUp
            ? new(VerdictOutcome.Depends, evidence, "Threads ran the heavy work as fast as processes (no interference measured); separate memory pays off for crashes and leaks, not speed.")
            : new(VerdictOutcome.Confirmed, evidence, "Processes ran the heavy work clearly faster than threads here.");
    }

    /// <summary>"Depends" when nothing sped up or the samples do not show the gap either way; null when a verdict can be given.</summary>
    private static Judgement? Undecided(string evidence, double threads, double processes, SpeedupGap gap) =>
        NoParallelism(threads, processes) is { } idle ? new(VerdictOutcome.Depends, evidence, idle)
        : !gap.Shown ? new(VerdictOutcome.Depends, evidence, gap.NotShown)
        : null;

    private static SpeedupGap Gap(Evidence e, double threads, double processes) =>
        new(processes / threads, e.SpeedupAbove(ProcessSeries, ThreadSeries, AllCores), e.SpeedupWithin(ProcessSeries, ThreadSeries, AllCores, Clearly));

    /// <summary>
    /// Worker processes' speedup against threads' with every core busy: the medians' ratio, and the tests of the
    /// speedups round by round (see <see cref="Evidence.SpeedupAbove"/>) that must bear out what the medians say.
    /// </summary>
    private sealed record SpeedupGap(double MedianRatio, Separation ProcessesAbove, Parity ProcessesWithin)
    {
        /// <summary>The medians say threads keep up: processes within 10% of them, or behind.</summary>
        public bool ThreadsKeepUp => MedianRatio <= Same;

        /// <summary>The samples show what the medians say: processes under 1.2x threads, or above them.</summary>
        public bool Shown => ThreadsKeepUp ? ProcessesWithin.Shown : ProcessesAbove.Shown;

        /// <summary>The test that bears on what the medians say.</summary>
        public string Test => ThreadsKeepUp ? $"{ProcessesWithin}" : $"{ProcessesAbove}";

        /// <summary>Why what the medians say is not shown.</summary>
        public string NotShown
        {
            get
            {
                string medianSays = $"worker processes sped up {Ratio(MedianRatio)} as much as threads";
                return ThreadsKeepUp ? Inconclusive.Scatter(medianSays, ProcessesWithin) : Inconclusive.Overlap(medianSays, ProcessesAbove);
            }
        }
    }

    /// <summary>The speedup with every core that counts as running in parallel: half of each added core.</summary>
    private static double ParallelSpeedup => 1 + (0.5 * (AllCores - 1));

    /// <summary>Why a speedup comparison says nothing when neither kind of worker ran in parallel (a busy machine), or null.</summary>
    private static string? NoParallelism(double threads, double processes) =>
        AllCores > 1 && Math.Max(threads, processes) < ParallelSpeedup
            ? $"Neither threads nor processes sped up in this run (best {Ratio(Math.Max(threads, processes))} on {AllCoresText}): the machine had no idle cores, so the claim cannot be judged here; rerun on a quiet machine."
            : null;

    private static (double Threads, double Processes)? TryPython(Evidence e)
    {
        try
        {
            return (e.Speedup(PythonThreadSeries, AllCores), e.Speedup(PythonProcessSeries, AllCores));
        }
        catch (MissingEvidenceException)
        {
            return null;
        }
    }

    private static string PythonThreads(Evidence e) => TryPython(e) is { } py ? $"; Python threads {Ratio(py.Threads)}" : string.Empty;

    private static string PythonBoth(Evidence e) =>
        TryPython(e) is { } py ? $"; Python threads {Ratio(py.Threads)}, Python processes {Ratio(py.Processes)}" : "; Python not measured";
}
