using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Evidence;
using static Spindle.Lab.Verdicts.Rules;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The rules judged on the CPU-scaling speedups with every core busy (the use case also on the memory of I/O waits):
/// whether threads and processes run in parallel, and which of them runs CPU-bound and heavy work faster.
/// </summary>
internal static class ScalingRules
{
    public static Judgement Concurrency(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        double wanted = 1 + 0.5 * (n - 1);
        string python = PythonThreads(e);
        string evidence = $"speedup with {n} workers on {AllCoresText}: .NET threads {Ratio(threads)}, worker processes {Ratio(processes)}{python}";
        if (n == 1)
        {
            return new(VerdictOutcome.Depends, evidence, "With one core nothing can run in parallel; the claim cannot be tested here.", Ratio(processes), Ratio(threads));
        }

        VerdictOutcome outcome = threads >= wanted && processes >= wanted ? VerdictOutcome.Confirmed : VerdictOutcome.Depends;
        return new(outcome, evidence, outcome == VerdictOutcome.Confirmed
                ? "Both threads and processes ran on all cores at once (speedup near the core count)."
                : "Not both kinds of worker used every core in this run (a loaded machine, or a runtime lock like Python's GIL).",
            $".NET: {Ratio(processes)} on {AllCoresText}{(TryPython(e) is { } pp ? $"; Python: {Ratio(pp.Processes)}" : string.Empty)}",
            $".NET: {Ratio(threads)} on {AllCoresText}{(TryPython(e) is { } pt ? $"; Python: {Ratio(pt.Threads)}" : string.Empty)}");
    }

    public static Judgement UseCase(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        double threadKiB = e.IoMemory(Subject.Thread, Origin.Raw);
        double processKiB = e.IoMemory(Subject.Process, Origin.Raw);
        string evidence = $"heavy CPU work, {n} workers: threads {Ratio(threads)}, processes {Ratio(processes)}; {e.IoWaits} I/O waits: {Num(threadKiB)} KiB per thread vs {Num(processKiB)} KiB per process";
        bool threadsCheaperForIo = processKiB >= threadKiB * Clearly;
        bool threadsAsGoodForHeavy = threads >= processes / Same || NoParallelism(threads, processes) is not null;
        VerdictOutcome outcome = threadsCheaperForIo && !threadsAsGoodForHeavy ? VerdictOutcome.Confirmed : threadsCheaperForIo ? VerdictOutcome.Depends : VerdictOutcome.Refuted;
        return new(outcome, evidence, outcome == VerdictOutcome.Depends
                ? "Threads are the cheaper holder of I/O waits, but in .NET they also run heavy CPU work as fast as processes: pick processes for isolation, not for speed."
                : outcome == VerdictOutcome.Confirmed ? "Processes ran heavy work faster and threads held I/O waits cheaper." : "Threads were not cheaper for I/O waits here.",
            $"heavy work: {Ratio(processes)}", $"I/O waits: {Num(threadKiB)} KiB each");
    }

    public static Judgement CpuBound(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        string evidence = $"speedup with {n} workers: .NET threads {Ratio(threads)}, .NET worker processes {Ratio(processes)}{PythonBoth(e)}";
        if (NoParallelism(threads, processes) is { } idle)
        {
            return new(VerdictOutcome.Depends, evidence, idle);
        }

        bool dotnetThreadsScale = threads >= processes / Same;
        if (TryPython(e) is { } py && py.Processes >= py.Threads * Clearly && dotnetThreadsScale)
        {
            return new(VerdictOutcome.Depends, evidence, "True for Python, whose GIL keeps threads on one core; .NET has no GIL and its threads scale like processes.");
        }

        return dotnetThreadsScale
            ? new(VerdictOutcome.Refuted, evidence, ".NET threads reached the same parallel speedup as processes: CPU-bound work needs no processes in .NET.")
            : new(VerdictOutcome.Confirmed, evidence, "Processes scaled clearly better than threads on CPU-bound work here.");
    }

    public static Judgement HeavyTasks(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        string evidence = $"heavy CPU work, {n} workers: threads {Ratio(threads)}, processes {Ratio(processes)}; {e.IsolationOutcome.Summary}";
        if (NoParallelism(threads, processes) is { } idle)
        {
            return new(VerdictOutcome.Depends, evidence, idle);
        }

        return threads >= processes / Same
            ? new(VerdictOutcome.Depends, evidence, "Threads ran the heavy work as fast as processes (no interference measured); separate memory pays off for crashes and leaks, not speed.")
            : new(VerdictOutcome.Confirmed, evidence, "Processes ran the heavy work clearly faster than threads here.");
    }

    /// <summary>Why a speedup comparison says nothing when neither kind of worker ran in parallel (a busy machine), or null.</summary>
    private static string? NoParallelism(double threads, double processes) =>
        AllCores > 1 && Math.Max(threads, processes) < 1 + 0.5 * (AllCores - 1)
            ? $"Neither threads nor processes sped up in this run (best {Ratio(Math.Max(threads, processes))} on {AllCoresText}): the machine had no idle cores, so the claim cannot be judged here; rerun on a quiet machine."
            : null;

    private static (double Threads, double Processes)? TryPython(Evidence e)
    {
        try
        {
            return (e.Speedup("Python threading.Thread", AllCores), e.Speedup("Python multiprocessing.Pool", AllCores));
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
