using Spindle.Lab.Experiments.Channels;
using Spindle.Lab.Model;
using static Spindle.Lab.Tests.Verdicts.SyntheticReport;

namespace Spindle.Lab.Tests.Verdicts;

/// <summary>
/// The claims judged on one measurement against another (memory, creation, data through a pool, a call to a warm
/// worker) and the claims built from them: "no dearer" must be shown by the samples as "dearer" is, or the verdict is
/// "depends", naming the comparison.
/// </summary>
public sealed class TwoMeasurementRuleTests
{
    /// <summary>The largest message of a quick run, the size data passing is judged at.</summary>
    private const int Large = 1 << 20;

    private const int Small = 64;

    private static readonly double[] Scattered = [100, 500, 2000];

    /// <summary>Scattered over 20x, 1.04x <see cref="Scattered"/> at the median.</summary>
    private static readonly double[] ScatteredAlike = [110, 520, 1900];

    private static readonly double[] Tight = [100, 101, 99, 100.5, 99.5];

    /// <summary>1.02x <see cref="Tight"/>, as tight.</summary>
    private static readonly double[] TightAlike = [102, 103, 101, 102.5, 101.5];

    private static ExperimentResult MemoryOf(double[] pthread, double[] process) => Experiment("memory",
        Samples("PSS per extra pthread", "KiB", pthread),
        M("PSS per extra thread", "KiB", 60),
        Samples("PSS per extra process", "KiB", process, subject: Subject.Process),
        M("PSS per extra WorkerPool process worker", "KiB", 30_000, subject: Subject.Process));

    private static ExperimentResult CreationOf(double[] pthread, double[] spawn, double[] threadCall, double[] processCall) => Experiment("creation",
        Samples("pthread_create+join", "µs", pthread),
        M("thread start+join", "µs", 60),
        Samples("posix_spawn+waitpid (/bin/true)", "µs", spawn, subject: Subject.Process),
        M("process start+exit (/bin/true)", "µs", 700, subject: Subject.Process),
        M("WorkerProcess start+exit", "µs", 40_000, subject: Subject.Process),
        M("WorkerPool (process) cold start to first result", "µs", 100_000, subject: Subject.Process),
        Samples("dispatch to a warm WorkerPool (thread)", "µs", threadCall),
        Samples("dispatch to a warm WorkerPool (process)", "µs", processCall, subject: Subject.Process));

    private static ExperimentResult CreationOf(double[] pthread, double[] spawn) => CreationOf(pthread, spawn, Tight, Tight);

    /// <summary>Passing the largest message through a thread pool and a process pool; the raw rows at the smallest, all clearly apart.</summary>
    private static ExperimentResult CommunicationOf(double[] threadPool, double[] processPool) => Experiment("communication",
        Samples(new SpindlePoolRow(Isolation.Thread).Series, "µs one-way", threadPool, Large),
        Samples(new SpindlePoolRow(Isolation.Process).Series, "µs one-way", processPool, Large, Subject.Process),
        M(new RawChannelRow("shm", Subject.Thread).Series, "µs one-way", 1, Small),
        M(new RawChannelRow("shm", Subject.Process).Series, "µs one-way", 2, Small, Subject.Process),
        M(new RawChannelRow("pipe", Subject.Process).Series, "µs one-way", 5, Small, Subject.Process),
        M(new RawChannelRow("socket", Subject.Process).Series, "µs one-way", 8, Small, Subject.Process));

    [Fact]
    public void Memory_AsCheapAtTheMedianButScattered_DependsAndSaysWhy()
    {
        // An extra process 1.04x an extra pthread's PSS at the median, from samples scattered over 20x (this was Refuted).
        Verdict verdict = Judge(ReportOf(MemoryOf(Scattered, ScatteredAlike)), "Memory Space");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the OS level: At the median an extra process's memory cost 1.04x as much as an extra thread's, but the samples spread too widely to say so (ratio under 1.20x: one-sided test p = ", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("OS level ratio under 1.20x: one-sided test p = ", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Memory_ClearlyNoDearer_IsRefuted()
    {
        Verdict verdict = Judge(ReportOf(MemoryOf(Tight, TightAlike)), "Memory Space");
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
        Assert.Equal("At the OS level an extra process cost no more memory than an extra thread here.", verdict.Why);
    }

    [Fact]
    public void Memory_DearerAtTheMedianButOverlapping_SaysItWasJudgedAtTheOsLevel()
    {
        Verdict verdict = Judge(ReportOf(MemoryOf([10, 50, 200], [12, 61, 190])), "Memory Space");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the OS level: At the median an extra process's memory cost 1.22x as much as an extra thread's, but the samples overlap too much", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Creation_AsCheapAtTheMedianButScattered_DependsAndSaysWhy()
    {
        // posix_spawn 0.96x pthread_create at the median, from samples scattered over 20x (this was Refuted).
        Verdict verdict = Judge(ReportOf(CreationOf(Scattered, [90, 480, 2100])), "Creation Overhead");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the OS level: At the median starting a process cost 0.96x as much as starting a thread, but the samples spread too widely to say so", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Creation_ClearlyNoDearer_IsRefuted()
    {
        Verdict verdict = Judge(ReportOf(CreationOf(Tight, [.. Tight.Select(v => v * 0.98)])), "Creation Overhead");
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
        Assert.Equal("At the OS level process and thread creation cost about the same here.", verdict.Why);
    }

    [Fact]
    public void Creation_SlightlyDearerAndShownUnderTheMargin_IsRefutedAsTheOtherRowsRead()
    {
        // 1.15x at the median, every sample well under 1.2x: "no dearer" as the memory and I/O rows read it (this was
        // "depends", from the medians alone, whatever the samples).
        Verdict verdict = Judge(ReportOf(CreationOf(Tight, [.. Tight.Select(v => v * 1.15)])), "Creation Overhead");
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
    }

    [Fact]
    public void ShareData_AsCheapAtTheMedianButScattered_DependsAndSaysWhy()
    {
        // Passing 1 MiB to a process worker 1.04x a thread worker at the median, from samples scattered over 20x (this was Refuted).
        Verdict verdict = Judge(ReportOf(CommunicationOf(Scattered, ScatteredAlike)), "Tasks need to share data");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median passing data to a process cost 1.04x as much as to a thread, but the samples spread too widely to say so", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void ShareData_ClearlyNoDearer_IsRefuted()
    {
        Verdict verdict = Judge(ReportOf(CommunicationOf(Tight, TightAlike)), "Tasks need to share data");
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
    }

    [Fact]
    public void ShareData_ClearlyDearer_IsConfirmed()
    {
        Verdict verdict = Judge(ReportOf(CommunicationOf(Tight, [.. Tight.Select(v => v * 3)])), "Tasks need to share data");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
    }

    [Fact]
    public void Performance_AsFastAtTheMedianButScattered_DependsAndSaysWhy()
    {
        // A call to a warm process worker 1.04x a thread worker's at the median, from samples scattered over 20x (this was Refuted).
        Verdict verdict = Judge(ReportOf(CreationOf(Tight, Tight, Scattered, ScatteredAlike), CommunicationOf(Tight, Tight)), "Performance and fast communication");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median a call to a process worker cost 1.04x as much as to a thread worker, but the samples spread too widely to say so", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Performance_ClearlyAsFast_IsRefuted()
    {
        Verdict verdict = Judge(ReportOf(CreationOf(Tight, Tight, Tight, TightAlike), CommunicationOf(Tight, Tight)), "Performance and fast communication");
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
    }

    [Fact]
    public void SwitchAndMemory_NeitherPartShown_Depends()
    {
        // Memory 1.22x from overlapping samples, switches 1.15x from samples 10% apart: neither part is shown either
        // way (this was Refuted, as neither part was confirmed).
        Verdict verdict = Judge(ReportOf(MemoryOf([10, 50, 200], [12, 61, 190]), SwitchCurveRuleTests.CurveOf([0], [[2.7, 3.0, 3.3]], [[3.1, 3.45, 3.8]])), "You need to optimize context switching");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("Memory: depends; context switching: depends", verdict.Why, StringComparison.Ordinal);
    }
}
