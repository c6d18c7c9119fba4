using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle.Lab.Verdicts;
using static Spindle.Lab.Tests.Verdicts.SyntheticReport;

namespace Spindle.Lab.Tests.Verdicts;

/// <summary>
/// The claims judged on speedups with every core busy (concurrency, CPU-bound, heavy tasks, the use case): running in
/// parallel, and a comparison of threads and processes, count only when the samples show them, not the medians alone.
/// </summary>
public sealed class ScalingRuleTests
{
    private const string Threads = "Threads";
    private const string Processes = "WorkerPool (process isolation)";

    private static readonly int Cores = ExperimentContext.Cores;

    /// <summary>
    /// A series' speedup rows as the experiment writes them, from the wall times of each round (ms) with one worker and
    /// with every core: each sample is the median time with one worker over that run's time.
    /// </summary>
    private static Measurement[] Timed(string series, Subject subject, double[] oneWorker, double[] allCores)
    {
        double single = Measurement.MedianOf(oneWorker);
        return
        [
            Samples(series, "x speedup", [.. oneWorker.Select(t => single / t)], 1, subject),
            Samples(series, "x speedup", [.. allCores.Select(t => single / t)], Cores, subject),
        ];
    }

    /// <summary>A series whose runs with one worker all took 100 ms, so its speedup per round is as given.</summary>
    private static Measurement[] Sped(string series, Subject subject, params double[] speedups) =>
        Timed(series, subject, [.. speedups.Select(_ => 100.0)], [.. speedups.Select(s => 100 / s)]);

    private static ExperimentResult Scaling(params Measurement[][] series) => Experiment("cpu-scaling", [.. series.SelectMany(s => s)]);

    private static ExperimentResult Isolation()
    {
        ExperimentResult result = Experiment("isolation", M("pool: SIGSEGV in a call until the next answer", "ms", 30));
        result.Facts.Add(new Fact("thread crash: whole process ended", "yes"));
        result.Facts.Add(new Fact("process crash: calls answered after crashes", "6/6"));
        return result;
    }

    private static readonly double[] ThreadsOverlapping = [1.2, 1.6, 2.0];
    private static readonly double[] ProcessesOverlapping = [1.45, 1.95, 2.4];
    private static readonly double[] ThreadsTight = [1.5, 1.52, 1.48];
    private static readonly double[] ProcessesTightAbove = [1.95, 1.97, 1.93];

    [Fact]
    public void CpuBound_ProcessesFasterAtTheMedianButOverlapping_DependsAndSaysWhy()
    {
        // Processes 1.22x threads at the median, from overlapping speedups (this was Confirmed).
        Verdict verdict = Judge(ReportOf(Scaling(Sped(Threads, Subject.Thread, ThreadsOverlapping), Sped(Processes, Subject.Process, ProcessesOverlapping))), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median worker processes sped up 1.22x as much as threads, but the samples overlap too much to say so", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuBound_PublishedSpeedupsTightButTheOneWorkerRunsScattered_Depends()
    {
        // Every process run with every core took 50 ms, so its published speedups are all 2.00x; its runs with one worker
        // took 60-160 ms, and round by round it sped up 1.2x-3.2x. Threads: 1.67x every round. 1.2x at the median (this was Confirmed).
        Verdict verdict = Judge(ReportOf(Scaling(
            Timed(Threads, Subject.Thread, [100, 100, 100], [60, 60, 60]),
            Timed(Processes, Subject.Process, [60, 100, 160], [50, 50, 50]))), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("overlap too much", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuBound_AlikeAtTheMedianButScattered_DependsAndSaysWhy()
    {
        // Processes 1.03x threads at the median, speedups over 1.2x-2.6x (this was Refuted).
        Verdict verdict = Judge(ReportOf(Scaling(Sped(Threads, Subject.Thread, 1.2, 1.9, 2.6), Sped(Processes, Subject.Process, 1.3, 1.95, 2.5))), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("the samples spread too widely to say so (ratio under 1.20x", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuBound_ProcessesClearlyFaster_IsConfirmed()
    {
        Verdict verdict = Judge(ReportOf(Scaling(Sped(Threads, Subject.Thread, ThreadsTight), Sped(Processes, Subject.Process, ProcessesTightAbove))), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
        Assert.Contains("one-sided test p = ", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuBound_ThreadsClearlyKeepUp_IsRefuted()
    {
        Verdict verdict = Judge(ReportOf(Scaling(Sped(Threads, Subject.Thread, 1.9, 1.92, 1.88, 1.91, 1.89), Sped(Processes, Subject.Process, 1.95, 1.96, 1.94, 1.95, 1.96))), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
    }

    [Fact]
    public void CpuBound_GilAtTheMedianButPythonOverlapping_DependsAndSaysWhy()
    {
        // .NET threads clearly keep up; Python processes 1.30x Python threads at the median, from overlapping speedups
        // (this was "depends: true for Python, whose GIL ...").
        Verdict verdict = Judge(ReportOf(Scaling(
            Sped(Threads, Subject.Thread, 1.9, 1.92, 1.88, 1.91, 1.89), Sped(Processes, Subject.Process, 1.95, 1.96, 1.94, 1.95, 1.96),
            Sped("Python threading.Thread", Subject.Thread, 0.6, 1.0, 1.9), Sped("Python multiprocessing.Pool", Subject.Process, 0.8, 1.3, 1.9))), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median Python processes sped up 1.30x as much as Python threads, but the samples overlap", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void HeavyTasks_ProcessesFasterAtTheMedianButOverlapping_DependsAndSaysWhy()
    {
        Verdict verdict = Judge(ReportOf(Isolation(), Scaling(Sped(Threads, Subject.Thread, ThreadsOverlapping), Sped(Processes, Subject.Process, ProcessesOverlapping))), "Heavyweight tasks");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median worker processes sped up 1.22x as much as threads, but the samples overlap too much", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void HeavyTasks_ProcessesClearlyFaster_IsConfirmed()
    {
        Verdict verdict = Judge(ReportOf(Isolation(), Scaling(Sped(Threads, Subject.Thread, ThreadsTight), Sped(Processes, Subject.Process, ProcessesTightAbove))), "Heavyweight tasks");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
    }

    [Fact]
    public void UseCase_ProcessesFasterAtTheMedianButOverlapping_DependsAndSaysWhy()
    {
        // Threads clearly cheaper for I/O waits; processes 1.22x threads on heavy work at the median only (this was Confirmed).
        Verdict verdict = Judge(ReportOf(IoBoundRuleTests.Waits([9, 10, 11], [8, 8.5, 9], [280, 300, 320]),
            Scaling(Sped(Threads, Subject.Thread, ThreadsOverlapping), Sped(Processes, Subject.Process, ProcessesOverlapping))), "Example Use Case");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median worker processes sped up 1.22x as much as threads, but the samples overlap too much", verdict.Why, StringComparison.Ordinal);
        Assert.Equal("heavy work: 1.95x", verdict.ProcessFigure);
    }

    [Fact]
    public void UseCase_IoMemoryAboveTheThresholdButOverlapping_DependsAndSaysWhy()
    {
        // Processes clearly faster on heavy work; a process per wait 1.22x a thread's memory at the median only (this was Confirmed).
        Verdict verdict = Judge(ReportOf(IoBoundRuleTests.Waits([100, 500, 2000], [400, 400, 400], [120, 610, 1900]),
            Scaling(Sped(Threads, Subject.Thread, ThreadsTight), Sped(Processes, Subject.Process, ProcessesTightAbove))), "Example Use Case");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median a process per wait cost 1.22x the memory of a thread per wait, but the samples overlap", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void UseCase_BothHalvesClearlyShown_IsConfirmed()
    {
        Verdict verdict = Judge(ReportOf(IoBoundRuleTests.Waits([9, 10, 11], [8, 8.5, 9], [280, 300, 320]),
            Scaling(Sped(Threads, Subject.Thread, ThreadsTight), Sped(Processes, Subject.Process, ProcessesTightAbove))), "Example Use Case");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
    }

    /// <summary>The speedup with every core that counts as running in parallel (half of each added core).</summary>
    private static readonly double Parallel = 1 + (0.5 * (Cores - 1));

    private static double[] TimesParallel(params double[] factors) => [.. factors.Select(f => f * Parallel)];

    [Fact]
    public void Concurrency_ThreadsParallelAtTheMedianButOverlapping_DependsAndSaysWhy()
    {
        // Threads sped up 1.1 times what running in parallel needs at the median, from speedups over 0.8-1.35 times it (this was Confirmed).
        Verdict verdict = Judge(ReportOf(Scaling(
            Sped(Threads, Subject.Thread, TimesParallel(0.8, 1.1, 1.35)), Sped(Processes, Subject.Process, TimesParallel(1.3, 1.32, 1.28)))), "Concurrency");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith($"At the median .NET threads sped up {Evidence.Ratio(1.1 * Parallel)} on ", verdict.Why, StringComparison.Ordinal);
        Assert.Contains($"(running in parallel needs over {Evidence.Ratio(Parallel)}), but the samples overlap too much to say so", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("the speedup with one worker: threads one-sided test p = ", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrency_SpeedupsTightButTheOneWorkerRunsScattered_Depends()
    {
        // Every process run with every core took the same time, 1.33 times as fast as running in parallel needs against
        // the median run with one worker, so its published speedups are all alike; its runs with one worker took 60-160 ms (this was Confirmed).
        double allCores = 100 / (1.33 * Parallel);
        Verdict verdict = Judge(ReportOf(Scaling(
            Sped(Threads, Subject.Thread, TimesParallel(1.3, 1.32, 1.28)),
            Timed(Processes, Subject.Process, [60, 100, 160], [allCores, allCores, allCores]))), "Concurrency");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median worker processes sped up ", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("overlap too much", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Concurrency_BothClearlyParallel_IsConfirmed()
    {
        Verdict verdict = Judge(ReportOf(Scaling(
            Sped(Threads, Subject.Thread, TimesParallel(1.3, 1.32, 1.28)), Sped(Processes, Subject.Process, TimesParallel(1.25, 1.27, 1.23)))), "Concurrency");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
        Assert.Contains("processes one-sided test p = ", verdict.Evidence, StringComparison.Ordinal);
    }
}
