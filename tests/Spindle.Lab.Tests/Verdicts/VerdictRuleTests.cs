using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle.Lab.Verdicts;
using static Spindle.Lab.Tests.Verdicts.SyntheticReport;

namespace Spindle.Lab.Tests.Verdicts;

/// <summary>The rules turn medians into verdicts: the same claim comes out confirmed, refuted, depends or not measured as the numbers change.</summary>
public sealed class VerdictRuleTests
{
    [Fact]
    public void Creation_IsJudgedAtTheOsLevel_AndReportsDotnetBeside()
    {
        Verdict verdict = Judge(ReportOf(Experiment("creation",
            M("pthread_create+join", "µs", 40),
            M("thread start+join", "µs", 150),
            M("posix_spawn+waitpid (/bin/true)", "µs", 600, subject: Subject.Process),
            M("process start+exit (/bin/true)", "µs", 900, subject: Subject.Process),
            M("WorkerProcess start+exit", "µs", 60_000, subject: Subject.Process),
            M("WorkerPool (process) cold start to first result", "µs", 70_000, subject: Subject.Process))), "Creation Overhead");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
        Assert.Contains("At the OS level starting a process took 15.0x", verdict.Why, StringComparison.Ordinal);
        Assert.Equal("OS: 600 µs (posix_spawn); .NET: 60.0 ms (WorkerProcess)", verdict.ProcessFigure);
        Assert.Equal("OS: 40.0 µs (pthread_create); .NET: 150 µs (new Thread)", verdict.ThreadFigure);
    }

    [Fact]
    public void ClaimWhoseExperimentWasNotRun_IsNotMeasured_NamingWhatIsMissing()
    {
        Verdict verdict = Judge(ReportOf(SwitchCurveRuleTests.Curve([0], [3], [3])), "Memory Space");
        Assert.Equal(VerdictOutcome.NotMeasured, verdict.Outcome);
        Assert.Contains("memory", verdict.Evidence, StringComparison.Ordinal);
    }

    /// <summary>Speedups with every core 10% apart around the values, against runs with one worker that all took the median time.</summary>
    private static ExperimentResult Scaling(double threads, double processes, double? pythonThreads, double? pythonProcesses)
    {
        int n = ExperimentContext.Cores;
        var result = Experiment("cpu-scaling",
            Samples("Threads", "x speedup", [1, 1, 1], 1),
            M("Threads", "x speedup", threads, n),
            Samples("WorkerPool (process isolation)", "x speedup", [1, 1, 1], 1, Subject.Process),
            M("WorkerPool (process isolation)", "x speedup", processes, n, Subject.Process));
        if (pythonThreads is { } pt && pythonProcesses is { } pp)
        {
            result.Measurements.Add(Samples("Python threading.Thread", "x speedup", [1, 1, 1], 1));
            result.Measurements.Add(M("Python threading.Thread", "x speedup", pt, n));
            result.Measurements.Add(Samples("Python multiprocessing.Pool", "x speedup", [1, 1, 1], 1, Subject.Process));
            result.Measurements.Add(M("Python multiprocessing.Pool", "x speedup", pp, n, Subject.Process));
        }

        return result;
    }

    [Fact]
    public void CpuBound_GilShowsInPythonButNotInDotnet_Depends()
    {
        Verdict verdict = Judge(ReportOf(Scaling(1.9, 1.9, 1.0, 1.9)), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("GIL", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuBound_DotnetThreadsScaleLikeProcesses_WithoutPython_IsRefuted()
    {
        Assert.Equal(VerdictOutcome.Refuted, Judge(ReportOf(Scaling(1.9, 1.85, null, null)), "Tasks are CPU-bound").Outcome);
    }

    [Fact]
    public void CpuBound_NothingSpedUp_CannotBeJudged()
    {
        Verdict verdict = Judge(ReportOf(Scaling(1.0, 0.9, 1.0, 1.0)), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("no idle cores", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Creation_MedianRatioAboveTheThresholdButTheSamplesOverlap_DependsAndSaysWhy()
    {
        // The medians are 1.22x apart; the samples are not (the verdict used to be Confirmed from the ratio alone).
        LabReport report = ReportOf(Experiment("creation",
            new Measurement { Series = "pthread_create+join", Subject = Subject.Thread, Level = Level.Os, Unit = "µs", Samples = [10, 50, 200] },
            new Measurement { Series = "posix_spawn+waitpid (/bin/true)", Subject = Subject.Process, Level = Level.Os, Unit = "µs", Samples = [12, 61, 190] },
            M("thread start+join", "µs", 60),
            M("WorkerProcess start+exit", "µs", 40_000, subject: Subject.Process),
            M("process start+exit (/bin/true)", "µs", 700, subject: Subject.Process),
            M("WorkerPool (process) cold start to first result", "µs", 100_000, subject: Subject.Process)));
        Verdict verdict = Judge(report, "Creation Overhead");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("the samples overlap too much to say so", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("3 vs 3 samples", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void Creation_ClearRatioWithOutliersOnTheThreadSide_IsStillConfirmed()
    {
        // As this machine measures it: most thread starts take 20-40 µs, a few wait milliseconds for the scheduler.
        double[] threads = [.. Enumerable.Range(0, 100).Select(i => i % 25 == 0 ? 3_700.0 : 20 + (i % 20))];
        double[] processes = [.. Enumerable.Range(0, 10).Select(i => 570.0 + (30 * i))];
        LabReport report = ReportOf(Experiment("creation",
            new Measurement { Series = "pthread_create+join", Subject = Subject.Thread, Level = Level.Os, Unit = "µs", Samples = threads },
            new Measurement { Series = "posix_spawn+waitpid (/bin/true)", Subject = Subject.Process, Level = Level.Os, Unit = "µs", Samples = processes },
            M("thread start+join", "µs", 60),
            M("WorkerProcess start+exit", "µs", 40_000, subject: Subject.Process),
            M("process start+exit (/bin/true)", "µs", 700, subject: Subject.Process),
            M("WorkerPool (process) cold start to first result", "µs", 100_000, subject: Subject.Process)));
        Verdict verdict = Judge(report, "Creation Overhead");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
        Assert.Contains("p = < 0.001, 10 vs 100 samples", verdict.Evidence, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { 4.0, 5, 6 }, new[] { 1.0, 2, 3 }, 0.05)]         // complete separation, 3 a side: 1 ordering in 20
    [InlineData(new[] { 2.0 }, new[] { 1.0 }, 0.5)]                       // one a side: nothing can be shown
    [InlineData(new[] { 12.0, 61, 190 }, new[] { 10.0, 50, 200 }, 0.5)]  // overlapping: 5 of 9 pairs, as likely as not
    [InlineData(new[] { 1.0, 2, 3 }, new[] { 4.0, 5, 6 }, 1.0)]           // the other way round
    public void RankTest_SmallSets_ExactTail(double[] above, double[] below, double p) =>
        Assert.Equal(p, RankTest.PAbove(above, below), 3);

    [Fact]
    public void RankTest_LargeSets_TheNormalApproximationAgreesWithTheExactCount()
    {
        // 24 x 25 = 600 pairs: still exact; one more sample takes the approximation. Both must tell the same story.
        double[] above = [.. Enumerable.Range(0, 24).Select(i => 5.0 + (i * 0.5))];
        double[] below = [.. Enumerable.Range(0, 25).Select(i => 0.0 + (i * 0.5))];
        double exact = RankTest.PAbove(above, below);
        double approximate = RankTest.PAbove([.. above, 20.0], below);
        Assert.InRange(exact, 0, 0.01);
        Assert.InRange(approximate, 0, 0.01);
        Assert.Equal(1.0, RankTest.PAbove([], below));
    }

    [Fact]
    public void RatioTest_WeighsHowFarApartTheSetsAre_NotOnlyTheirOrder()
    {
        // A quick run's memory samples: 2 of 360 KiB against 3 of 9-17 KiB. Far apart: shown, though no rank test on
        // 2 vs 3 samples can go below p = 0.1.
        Assert.InRange(RatioTest.PAbove([362, 357], [17.48, 8.6, 8.7]), 0, 0.01);
        Assert.Equal(0.1, RankTest.PAbove([362, 357], [17.48, 8.6, 8.7]), 3);

        // Overlapping sets: nowhere near.
        Assert.InRange(RatioTest.PAbove([12, 61, 190], [10, 50, 200]), 0.3, 0.7);

        // One sample a side says nothing of spread; a zero has no logarithm (the rank test decides).
        Assert.Equal(1.0, RatioTest.PAbove([100], [1]));
        Assert.Equal(0.05, RatioTest.PAbove([4, 5, 6], [0, 2, 3]), 3);
    }
}
