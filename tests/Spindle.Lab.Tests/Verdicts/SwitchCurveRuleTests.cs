using Spindle.Lab.Model;
using static Spindle.Lab.Tests.Verdicts.SyntheticReport;

namespace Spindle.Lab.Tests.Verdicts;

/// <summary>
/// The context-switching claim, judged size by size along the working-set curve: at each size the samples must show
/// what the medians say (processes clearly dearer, or no dearer), or the size is "not shown" and the verdict "depends".
/// </summary>
public sealed class SwitchCurveRuleTests
{
    private const string Claim = "Context Switching";

    /// <summary>Five samples within 2% of <paramref name="value"/>: a switch the samples pin down.</summary>
    private static double[] Steady(double value) => [value * 0.98, value * 0.99, value, value * 1.01, value * 1.02];

    /// <summary>The futex switch at each working-set size, steady; the pipe and SharedEvent ping-pongs as at the first size.</summary>
    internal static ExperimentResult Curve(int[] sizes, double[] threads, double[] processes) =>
        CurveOf(sizes, [.. threads.Select(Steady)], [.. processes.Select(Steady)]);

    /// <summary>The futex switch at each size with these samples; the pipe ping-pong as at the first size unless given.</summary>
    internal static ExperimentResult CurveOf(int[] sizes, double[][] threads, double[][] processes, double[]? pipeThread = null, double[]? pipeProcess = null)
    {
        ExperimentResult result = Experiment("context-switch",
            Samples("pipe ping-pong, two threads", "µs/switch", pipeThread ?? threads[0]),
            Samples("pipe ping-pong, two processes", "µs/switch", pipeProcess ?? processes[0], subject: Subject.Process),
            M("Spindle SharedEvent ping-pong, two threads", "µs/switch", 2 * Measurement.MedianOf(threads[0])),
            M("Spindle SharedEvent ping-pong, two processes", "µs/switch", 2 * Measurement.MedianOf(processes[0]), subject: Subject.Process));
        for (int i = 0; i < sizes.Length; i++)
        {
            result.Measurements.Add(Samples("futex ping-pong, two threads", "µs/switch", threads[i], sizes[i]));
            result.Measurements.Add(Samples("futex ping-pong, two processes", "µs/switch", processes[i], sizes[i], Subject.Process));
        }

        return result;
    }

    [Fact]
    public void ContextSwitching_FollowsTheWholeCurve_NamingWhereProcessesCostMore()
    {
        Verdict verdict = Judge(ReportOf(Curve([0, 16 << 10, 256 << 10, 1 << 20, 4 << 20], [2.0, 2.1, 2.5, 4.0, 6.0], [2.0, 2.15, 2.6, 5.6, 9.0])), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("refuted from empty switches up to 256 KiB", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("confirmed from 1 MiB: processes cost 1.40x–1.50x", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("4 MiB", verdict.Evidence, StringComparison.Ordinal);
        Assert.StartsWith("OS (futex): 2.00 µs/switch empty, 9.00 µs at 4 MiB; .NET (SharedEvent)", verdict.ProcessFigure, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_ProcessesClearlyDearerAtEverySize_IsConfirmed()
    {
        Verdict verdict = Judge(ReportOf(Curve([0, 1 << 20], [2.0, 3.0], [4.0, 6.0])), Claim);
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
        Assert.Contains("confirmed from empty switches up to 1 MiB: processes cost 2.00x", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("1 MiB 6.00 µs vs 3.00 µs (2.00x, one-sided test p = < 0.001, 5 vs 5 samples)", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_SubtractionLeftNothingAtOneSize_ThatSizeIsNotJudged()
    {
        Verdict verdict = Judge(ReportOf(Curve([0, 4 << 20], [2.0, -0.5], [2.0, 3.0])), Claim);
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
        Assert.Contains("not judged at 4 MiB", verdict.Why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3.0, 3.1, VerdictOutcome.Refuted)]
    [InlineData(3.0, 6.0, VerdictOutcome.Confirmed)]
    [InlineData(3.0, 3.45, VerdictOutcome.Refuted)] // 1.15x, every sample within 2%: shown under 1.2x, "no dearer" as every rule reads it
    public void ContextSwitching_FollowsTheRatioOfProcessToThreadSwitches(double thread, double process, VerdictOutcome expected)
    {
        Verdict verdict = Judge(ReportOf(Curve([0], [thread], [process])), Claim);
        Assert.Equal(expected, verdict.Outcome);
        Assert.Contains("µs", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_AlikeAtTheMedianButScattered_DependsAndSaysWhy()
    {
        // Processes 1.04x threads at the median, futex and pipe alike, from samples scattered over 20x (this was Refuted).
        Verdict verdict = Judge(ReportOf(CurveOf([0], [[10, 50, 200]], [[11, 52, 190]])), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.StartsWith("At the OS level (futex, lat_ctx-style working set): not shown for empty switches: at the median processes cost 1.04x, but the samples spread too widely to say so (ratio under 1.20x: one-sided test p = ", verdict.Why, StringComparison.Ordinal);
        Assert.EndsWith("Measure the sizes not shown again with more repetitions, on a quieter machine.", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_ClearlyDearerWithOneOutlierAmongTheThreads_IsConfirmed()
    {
        // Twenty thread switches near 2 µs, one of them 5 µs (a wake-up that waited); twenty process switches near 4 µs.
        // The samples are far apart but not every one of them (this was Depends: the slowest thread above the fastest process).
        double[] threads = [.. Enumerable.Range(0, 20).Select(i => i == 7 ? 5.0 : 1.9 + (0.01 * i))];
        double[] processes = [.. Enumerable.Range(0, 20).Select(i => 3.9 + (0.01 * i))];
        Verdict verdict = Judge(ReportOf(CurveOf([0], [threads], [processes])), Claim);
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
    }

    [Fact]
    public void ContextSwitching_EverySizeLostInTheNoise_Depends()
    {
        // No size could be judged (this was Refuted, from nothing).
        Verdict verdict = Judge(ReportOf(CurveOf([1 << 20, 4 << 20], [Steady(-0.5), Steady(-0.2)], [Steady(0.3), Steady(-0.1)], Steady(2.0), Steady(2.0))), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("not judged from 1 MiB: touching the array alone", verdict.Why, StringComparison.Ordinal);
        Assert.EndsWith("No size could be judged: measure again on a quieter machine.", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_DearerAtTheMedianButOverlapping_DependsNamingTheSizeAndTheTest()
    {
        Verdict verdict = Judge(ReportOf(CurveOf([0, 1 << 20], [Steady(2.0), [10, 50, 200]], [Steady(2.0), [12, 61, 190]])), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("refuted for empty switches (1.00x); not shown at 1 MiB: at the median processes cost 1.22x, but the samples overlap too much to say so (one-sided test p = ", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_PipeDisagreesAtTheEmptySwitch_DependsNamingThePipe()
    {
        Verdict verdict = Judge(ReportOf(CurveOf([0], [Steady(2.0)], [Steady(2.0)], Steady(2.0), Steady(4.0))), Claim);
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("not shown for empty switches: at the median processes cost 1.00x, but the pipe ping-pong (no working set) cost 2.00x", verdict.Why, StringComparison.Ordinal);
    }
}
