using Spindle.Lab.Model;
using static Spindle.Lab.Tests.Verdicts.SyntheticReport;

namespace Spindle.Lab.Tests.Verdicts;

/// <summary>The I/O-bound claim, judged on memory per wait: the samples must show what the medians say, or the verdict is "depends".</summary>
public sealed class IoBoundRuleTests
{
    private const string Claim = "Tasks are I/O-bound";

    private const string Memory = "KiB per wait";

    private static readonly double[] Overlapping = [100, 500, 2000];

    /// <summary>A quick run's io-concurrency experiment with these memory samples per wait (times are fixed).</summary>
    internal static ExperimentResult Waits(double[] thread, double[] async, double[] process) => Experiment("io-concurrency",
        M("1000 threads, one per wait", "ms total", 120),
        Samples("1000 threads, one per wait", Memory, thread),
        M("1000 async tasks (Task.Delay)", "ms total", 110, subject: Subject.Async),
        Samples("1000 async tasks (Task.Delay)", Memory, async, subject: Subject.Async),
        M("200 processes, one per wait (/bin/sleep)", "ms total", 400, subject: Subject.Process),
        Samples("200 processes, one per wait (/bin/sleep)", Memory, process, subject: Subject.Process),
        new Measurement { Series = "pool", Subject = Subject.Process, Origin = Origin.Spindle, Level = Level.DotNet, Unit = Memory, Samples = [30, 31, 32] });

    [Fact]
    public void IoBound_ProcessMemoryAboveTheThresholdButOverlapping_DependsAndSaysWhy()
    {
        // A process per wait 1.22x a thread's memory at the median, from overlapping samples (this was Confirmed).
        Verdict verdict = Judge(ReportOf(Waits(Overlapping, [400, 400, 400], [120, 610, 1900])), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median a process per wait cost 1.22x the memory of a thread per wait, but the samples overlap too much to say so", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("process vs thread memory one-sided test p = ", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void IoBound_ProcessAsCheapAtTheMedianButScattered_DependsAndSaysWhy()
    {
        // 1.04x at the median, samples scattered over 20x (this was Refuted).
        Verdict verdict = Judge(ReportOf(Waits(Overlapping, [400, 400, 400], [110, 520, 1900])), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("the samples spread too widely to say so (ratio under 1.20x", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void IoBound_ProcessesClearlyDearer_IsConfirmed()
    {
        Verdict verdict = Judge(ReportOf(Waits([9, 10, 11], [8, 8.5, 9], [280, 300, 320])), Claim);
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
    }

    [Fact]
    public void IoBound_ProcessClearlyNoDearer_IsRefuted()
    {
        Verdict verdict = Judge(ReportOf(Waits([10, 10.1, 9.9, 10.05, 9.95], [8, 8.5, 9], [10.2, 10.3, 10.1, 10.25, 10.15])), Claim);
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
    }

    [Fact]
    public void IoBound_AsyncUnderHalfAThreadAtTheMedianButOverlapping_SaysSo()
    {
        // Processes clearly dearer; async 4.5 KiB against a thread's 10 at the median, from samples over 1-20 KiB.
        Verdict verdict = Judge(ReportOf(Waits([9, 10, 11], [1, 4.5, 20], [280, 300, 320])), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the median threads beat processes for waiting, and a thread per wait cost 2.22x the memory of an async task (more than twice), but the samples overlap", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void IoBound_AsyncClearlyUnderHalfAThread_DependsOnAsync()
    {
        Verdict verdict = Judge(ReportOf(Waits([9, 10, 11], [1, 1.1, 0.9], [280, 300, 320])), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("in .NET, use async for I/O", verdict.Why, StringComparison.Ordinal);
    }
}
