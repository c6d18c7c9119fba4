using System.Text.Json;
using Spindle.Lab.Running;
using Spindle.Lab.Tests.Support;

namespace Spindle.Lab.Tests.Report;

/// <summary>What one <c>spindle lab --quick</c> run wrote: every section, every sample, sane values, every claim judged.</summary>
[Collection(QuickLabCollection.Name)]
public sealed class QuickReportTests(QuickLabFixture lab)
{
    private JsonElement Root => lab.Report.RootElement;

    [Fact]
    public void Report_HasEveryExperiment_EachWithMeasurements()
    {
        string[] names = [.. Root.GetProperty("experiments").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];
        Assert.Equal(LabRunner.ExperimentNames, names);
        foreach (JsonElement experiment in Root.GetProperty("experiments").EnumerateArray())
        {
            Assert.True(experiment.GetProperty("measurements").GetArrayLength() > 0, $"{experiment.GetProperty("name")} has no measurements");
            // The only part a machine with /proc and python3 may lack: POSIX queue messages above the kernel's per-user cap.
            Assert.All(experiment.GetProperty("missing").EnumerateArray(), m => Assert.Contains("msgsize_max", m.GetProperty("reason").GetString(), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void EveryMeasurement_KeepsItsSamples_AndMedianLiesBetweenMinAndMax()
    {
        foreach (JsonElement m in Root.GetProperty("experiments").EnumerateArray().SelectMany(e => e.GetProperty("measurements").EnumerateArray()))
        {
            string what = $"{m.GetProperty("series")} [{m.GetProperty("unit")}] at {m.GetProperty("x")}";
            double[] samples = [.. m.GetProperty("samples").EnumerateArray().Select(s => s.GetDouble())];
            Assert.True(samples.Length >= 2, $"{what}: {samples.Length} samples");
            // Times, sizes and rates are positive; a count of one kind of context switch may be zero (a waiter that spins until preempted never sleeps voluntarily).
            bool count = m.GetProperty("unit").GetString() == "switches";
            Assert.All(samples, s => Assert.True(double.IsFinite(s) && (s > 0 || (count && s == 0)), $"{what}: sample {s} is out of range"));
            double min = m.GetProperty("min").GetDouble();
            double median = m.GetProperty("median").GetDouble();
            double max = m.GetProperty("max").GetDouble();
            Assert.True(min <= median && median <= max, $"{what}: min {min}, median {median}, max {max}");
            Assert.Equal(samples.Min(), min);
            Assert.Equal(samples.Max(), max);
        }
    }

    [Fact]
    public void Machine_IsDescribed()
    {
        JsonElement machine = Root.GetProperty("machine");
        Assert.True(machine.GetProperty("cores").GetInt32() >= 1);
        Assert.True(machine.GetProperty("memoryBytes").GetInt64() > 0);
        foreach (string field in new[] { "cpuModel", "kernel", "dotNet", "operatingSystem", "architecture" })
        {
            Assert.False(string.IsNullOrWhiteSpace(machine.GetProperty(field).GetString()), field);
        }
    }

    [Fact]
    public void EveryClaim_IsJudged_WithNumbersAndAReason()
    {
        JsonElement[] verdicts = [.. Root.GetProperty("verdicts").EnumerateArray()];
        Assert.Equal(19, verdicts.Length);
        Assert.Equal(7, verdicts.Count(v => v.GetProperty("source").GetString() == "comparison table"));
        foreach (JsonElement v in verdicts)
        {
            Assert.Contains(v.GetProperty("outcome").GetString(), new[] { "Confirmed", "Refuted", "Depends" });
            Assert.Matches("[0-9]", v.GetProperty("evidence").GetString()!);
            Assert.False(string.IsNullOrWhiteSpace(v.GetProperty("why").GetString()));
        }
    }

    [Fact]
    public void Isolation_ThreadCrashEndsItsProcess_PoolSurvivesWorkerCrashes()
    {
        JsonElement isolation = Root.GetProperty("experiments").EnumerateArray().Single(e => e.GetProperty("name").GetString() == "isolation");
        Dictionary<string, string> facts = isolation.GetProperty("facts").EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("value").GetString()!);
        Assert.Equal("yes", facts["thread crash: whole process ended"]);
        Assert.Contains("SIGABRT", facts["thread crash: process exit"], StringComparison.Ordinal);
        string[] answered = facts["process crash: calls answered after crashes"].Split('/');
        Assert.Equal(answered[1], answered[0]);
        Assert.Equal("Running", facts["process crash: pool still serving"]);
        Assert.Contains("SIGSEGV", facts["process crash: crashed call"], StringComparison.Ordinal);
    }

    [Fact]
    public void Terminal_ShowsTheComparisonTable_AndTheAdvice()
    {
        foreach (string row in new[] { "Memory Space", "Isolation", "Creation Overhead", "Context Switching", "Concurrency", "Inter-communication", "Example Use Case" })
        {
            Assert.Contains(row, lab.Run.Output, StringComparison.Ordinal);
        }

        Assert.Contains("When to use which", lab.Run.Output, StringComparison.Ordinal);
        Assert.Contains("report.html", lab.Run.Output, StringComparison.Ordinal);
    }
}
