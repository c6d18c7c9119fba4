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
        new() { Series = series, Subject = subject, Unit = unit, X = x, Samples = [value * 0.9, value, value * 1.1] };

    private static Verdict Judge(LabReport report, string claimPrefix) =>
        ClaimCatalog.All.Single(c => c.Text.StartsWith(claimPrefix, StringComparison.Ordinal)).Judge(new Evidence(report));

    private static ExperimentResult Switching(double thread, double process) => Experiment("context-switch",
        M("futex ping-pong, two threads", "µs/switch", thread),
        M("futex ping-pong, two processes", "µs/switch", process, subject: Subject.Process),
        M("pipe ping-pong, two threads", "µs/switch", thread),
        M("pipe ping-pong, two processes", "µs/switch", process, subject: Subject.Process));

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
