using Spindle.Lab.Model;
using Spindle.Lab.Verdicts;

namespace Spindle.Lab.Tests.Verdicts;

/// <summary>Lab reports built from chosen samples, and the verdict a claim gets from one: what the rule tests feed the rules.</summary>
internal static class SyntheticReport
{
    public static LabReport ReportOf(params ExperimentResult[] experiments)
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

    public static ExperimentResult Experiment(string name, params Measurement[] measurements)
    {
        var result = new ExperimentResult { Name = name, Title = name, Method = "synthetic" };
        result.Measurements.AddRange(measurements);
        return result;
    }

    /// <summary>Three samples 10% apart around <paramref name="value"/>.</summary>
    public static Measurement M(string series, string unit, double value, double? x = null, Subject subject = Subject.Thread) =>
        Samples(series, unit, [value * 0.9, value, value * 1.1], x, subject);

    /// <summary>A measurement with exactly these samples.</summary>
    public static Measurement Samples(string series, string unit, double[] samples, double? x = null, Subject subject = Subject.Thread) =>
        new() { Series = series, Subject = subject, Level = Level.Os, Unit = unit, X = x, Samples = samples };

    public static Verdict Judge(LabReport report, string claimPrefix) =>
        ClaimCatalog.All.Single(c => c.Text.StartsWith(claimPrefix, StringComparison.Ordinal)).Judge(new Evidence(report));
}
