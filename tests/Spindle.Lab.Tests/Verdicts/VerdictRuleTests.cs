using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle.Lab.Verdicts;

namespace Spindle.Lab.Tests.Verdicts;

/// <summary>The rules turn medians into verdicts: the same claim comes out confirmed, refuted, depends or not measured as the numbers change.</summary>
public sealed class VerdictRuleTests
{
    private static LabReport Report(params ExperimentResult[] experiments)
    {
        var report = new LabReport
        {
            Machine = new MachineInfo("test cpu", Environment.ProcessorCount, null, "k", "os", ".NET", "X64", null, null),
            Mode = "quick",
            StartedAt = DateTimeOffset.UnixEpoch,
        };
        report.Experiments.AddRange(experiments);
        return report;
    }

    private static ExperimentResult Experiment(string name, params Measurement[] measurements)
    {
        var result = new ExperimentResult { Name = name, Title = name, Method = "synthetic" };
        result.Measurements.AddRange(measurements);
        return result;
    }

    private static Measurement M(string series, string unit, double value, double? x = null, Subject subject = Subject.Thread) =>
        new() { Series = series, Subject = subject, Level = Level.Os, Unit = unit, X = x, Samples = [value * 0.9, value, value * 1.1] };

    private static Verdict Judge(LabReport report, string claimPrefix) =>
        ClaimCatalog.All.Single(c => c.Text.StartsWith(claimPrefix, StringComparison.Ordinal)).Judge(new Evidence(report));

    private static ExperimentResult Switching(double thread, double process) => Curve([0], [thread], [process]);

    /// <summary>The futex switch at each working-set size, the pipe and SharedEvent ping-pongs as at size 0.</summary>
    private static ExperimentResult Curve(int[] sizes, double[] threads, double[] processes)
    {
        ExperimentResult result = Experiment("context-switch",
            M("pipe ping-pong, two threads", "µs/switch", threads[0]),
            M("pipe ping-pong, two processes", "µs/switch", processes[0], subject: Subject.Process),
            M("Spindle SharedEvent ping-pong, two threads", "µs/switch", 2 * threads[0]),
            M("Spindle SharedEvent ping-pong, two processes", "µs/switch", 2 * processes[0], subject: Subject.Process));
        for (int i = 0; i < sizes.Length; i++)
        {
            result.Measurements.Add(M("futex ping-pong, two threads", "µs/switch", threads[i], sizes[i]));
            result.Measurements.Add(M("futex ping-pong, two processes", "µs/switch", processes[i], sizes[i], Subject.Process));
        }

        return result;
    }

    [Fact]
    public void ContextSwitching_FollowsTheWholeCurve_NamingWhereProcessesCostMore()
    {
        Verdict verdict = Judge(Report(Curve([0, 16 << 10, 256 << 10, 1 << 20, 4 << 20], [2.0, 2.1, 2.5, 4.0, 6.0], [2.0, 2.15, 2.6, 5.6, 9.0])), "Context Switching");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("refuted from empty switches up to 256 KiB", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("confirmed from 1 MiB: processes cost 1.40x–1.50x", verdict.Why, StringComparison.Ordinal);
        Assert.Contains("4 MiB", verdict.Evidence, StringComparison.Ordinal);
        Assert.StartsWith("OS (futex): 2.00 µs/switch empty, 9.00 µs at 4 MiB; .NET (SharedEvent)", verdict.ProcessFigure, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_ProcessesClearlyDearerAtEverySize_IsConfirmed()
    {
        Verdict verdict = Judge(Report(Curve([0, 1 << 20], [2.0, 3.0], [4.0, 6.0])), "Context Switching");
        Assert.Equal(VerdictOutcome.Confirmed, verdict.Outcome);
        Assert.Contains("confirmed from empty switches up to 1 MiB: processes cost 2.00x", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void ContextSwitching_SubtractionLeftNothingAtOneSize_ThatSizeIsNotJudged()
    {
        Verdict verdict = Judge(Report(Curve([0, 4 << 20], [2.0, -0.5], [2.0, 3.0])), "Context Switching");
        Assert.Equal(VerdictOutcome.Refuted, verdict.Outcome);
        Assert.Contains("not judged at 4 MiB", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void Creation_IsJudgedAtTheOsLevel_AndReportsDotnetBeside()
    {
        Verdict verdict = Judge(Report(Experiment("creation",
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

    [Theory]
    [InlineData(3.0, 3.1, VerdictOutcome.Refuted)]
    [InlineData(3.0, 6.0, VerdictOutcome.Confirmed)]
    [InlineData(3.0, 3.45, VerdictOutcome.Depends)]
    public void ContextSwitching_FollowsTheRatioOfProcessToThreadSwitches(double thread, double process, VerdictOutcome expected)
    {
        Verdict verdict = Judge(Report(Switching(thread, process)), "Context Switching");
        Assert.Equal(expected, verdict.Outcome);
        Assert.Contains("µs", verdict.Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public void ClaimWhoseExperimentWasNotRun_IsNotMeasured_NamingWhatIsMissing()
    {
        Verdict verdict = Judge(Report(Switching(3, 3)), "Memory Space");
        Assert.Equal(VerdictOutcome.NotMeasured, verdict.Outcome);
        Assert.Contains("memory", verdict.Evidence, StringComparison.Ordinal);
    }

    private static ExperimentResult Scaling(double threads, double processes, double? pythonThreads, double? pythonProcesses)
    {
        int n = ExperimentContext.Cores;
        var result = Experiment("cpu-scaling",
            M("Threads", "x speedup", threads, n),
            M("WorkerPool (process isolation)", "x speedup", processes, n, Subject.Process));
        if (pythonThreads is { } pt && pythonProcesses is { } pp)
        {
            result.Measurements.Add(M("Python threading.Thread", "x speedup", pt, n));
            result.Measurements.Add(M("Python multiprocessing.Pool", "x speedup", pp, n, Subject.Process));
        }

        return result;
    }

    [Fact]
    public void CpuBound_GilShowsInPythonButNotInDotnet_Depends()
    {
        Verdict verdict = Judge(Report(Scaling(1.9, 1.9, 1.0, 1.9)), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("GIL", verdict.Why, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuBound_DotnetThreadsScaleLikeProcesses_WithoutPython_IsRefuted()
    {
        Assert.Equal(VerdictOutcome.Refuted, Judge(Report(Scaling(1.9, 1.85, null, null)), "Tasks are CPU-bound").Outcome);
    }

    [Fact]
    public void CpuBound_NothingSpedUp_CannotBeJudged()
    {
        Verdict verdict = Judge(Report(Scaling(1.0, 0.9, 1.0, 1.0)), "Tasks are CPU-bound");
        Assert.Equal(VerdictOutcome.Depends, verdict.Outcome);
        Assert.Contains("no idle cores", verdict.Why, StringComparison.Ordinal);
    }
}
