using System.Text.Json;
using Spindle.Lab.Experiments;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Model;
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
            // Times, sizes and rates are positive; a count of one kind of context switch may be zero (a waiter that spins until preempted never sleeps voluntarily);
            // a switch with a working set is what is left after taking off the time to touch the array alone, and on a busy machine that can be nothing.
            bool count = m.GetProperty("unit").GetString() == "switches";
            bool difference = m.GetProperty("unit").GetString() == "µs/switch" && m.TryGetProperty("x", out JsonElement x) && x.ValueKind == JsonValueKind.Number && x.GetDouble() > 0;
            // Memory per extra worker is a difference too, floored at zero by the experiment: the GC may give back more than a parked thread takes.
            bool memoryDifference = m.GetProperty("series").GetString()!.Contains(" per extra ", StringComparison.Ordinal) && m.GetProperty("unit").GetString() == "KiB";
            Assert.All(samples, s => Assert.True(double.IsFinite(s) && (s > 0 || ((count || memoryDifference) && s == 0) || difference), $"{what}: sample {s} is out of range"));
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

    [Fact]
    public void ContextSwitch_SweepsTheWorkingSet_WithAThreadAndAProcessCurve()
    {
        JsonElement[] measurements = Measurements("context-switch");
        int[] sizes = WorkingSetSweep.Sizes(new LabScale(Quick: true));
        foreach (string sides in new[] { "threads", "processes" })
        {
            JsonElement[] curve = [.. measurements.Where(m => m.GetProperty("series").GetString() == $"futex ping-pong, two {sides}")];
            Assert.Equal(sizes, curve.Select(m => (int)m.GetProperty("x").GetDouble()).Order());
            Assert.All(curve, m =>
            {
                Assert.Equal("µs/switch", m.GetProperty("unit").GetString());
                Assert.Equal("bytes of working set", m.GetProperty("xUnit").GetString());
                Assert.Equal("Os", m.GetProperty("level").GetString());
            });
        }

        // Touching 4 MiB alone takes far longer than touching nothing: the touches really happen.
        JsonElement[] alone = [.. measurements.Where(m => m.GetProperty("unit").GetString() == "µs/touch" && m.GetProperty("subject").GetString() == "Thread")];
        double Touch(int bytes) => alone.Single(m => m.GetProperty("x").GetDouble() == bytes).GetProperty("median").GetDouble();
        Assert.True(Touch(sizes.Max()) > 100 * Touch(0), $"touching {sizes.Max()} bytes took {Touch(sizes.Max())} µs, nothing {Touch(0)} µs");

        JsonElement verdict = Verdict("Context Switching");
        Assert.All(new[] { "0 B", "256 KiB", "4 MiB" }, size => Assert.Contains(size, verdict.GetProperty("evidence").GetString(), StringComparison.Ordinal));
        Assert.StartsWith("At the OS level (futex", verdict.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Contains("Context switch by working set", lab.Run.Output, StringComparison.Ordinal);
        Assert.Contains("none (empty switch)", lab.Run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void RowsWhereTheLevelsDiffer_CarryLevelLabels_InTheTableAndTheJson()
    {
        JsonElement[] creation = Measurements("creation");
        Assert.Equal("Os", Level(creation, "pthread_create+join"));
        Assert.Equal("DotNet", Level(creation, "thread start+join"));
        Assert.Equal("Os", Level(creation, "posix_spawn+waitpid (/bin/true)"));
        Assert.Equal("DotNet", Level(creation, "WorkerProcess start+exit"));
        Assert.Equal("Os", Level(Measurements("memory"), "PSS per extra pthread"));

        foreach (string row in new[] { "Memory Space", "Creation Overhead", "Context Switching", "Inter-communication" })
        {
            JsonElement verdict = Verdict(row);
            Assert.StartsWith("OS", verdict.GetProperty("processFigure").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("OS", verdict.GetProperty("threadFigure").GetString(), StringComparison.Ordinal);
            Assert.Contains(".NET", verdict.GetProperty("processFigure").GetString(), StringComparison.Ordinal);
            Assert.Contains(".NET", verdict.GetProperty("threadFigure").GetString(), StringComparison.Ordinal);
            Assert.Contains("OS level", verdict.GetProperty("why").GetString(), StringComparison.Ordinal);
        }

        string table = lab.Run.Output[..lab.Run.Output.IndexOf("When to use which", StringComparison.Ordinal)];
        Assert.Contains("(pthread_create)", table, StringComparison.Ordinal);
        Assert.Contains("(posix_spawn)", table, StringComparison.Ordinal);
        Assert.Contains("(WorkerProcess)", table, StringComparison.Ordinal);
    }

    [Fact]
    public void PerfCrossCheck_IsMeasuredBesideTheLabsSwitch_WhenPerfWorksHere()
    {
        JsonElement switching = Experiment("context-switch");
        if (PerfLocator.Find().MissingReason is { } missing)
        {
            Assert.Contains(switching.GetProperty("missing").EnumerateArray(), m => m.GetProperty("reason").GetString() == missing);
            return;
        }

        foreach (bool pinned in new[] { true, false })
        {
            foreach (Subject subject in new[] { Subject.Process, Subject.Thread })
            {
                Assert.Contains(switching.GetProperty("measurements").EnumerateArray(), m => m.GetProperty("series").GetString() == PerfCrossCheck.Series(subject, pinned));
            }
        }

        Assert.Equal(2, switching.GetProperty("facts").EnumerateArray().Count(f => f.GetProperty("name").GetString()!.StartsWith("cross-check with perf", StringComparison.Ordinal)));
        Assert.Contains("perf bench sched pipe", Verdict("Context Switching").GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Contains("cross-checked with the kernel's tools", lab.Run.Output, StringComparison.Ordinal);

        // A disagreement of more than 25% is a warning of the whole report, in the terminal too.
        bool disagree = switching.GetProperty("facts").EnumerateArray().Any(f => f.GetProperty("value").GetString()!.Contains("disagree", StringComparison.Ordinal));
        Assert.Equal(disagree, Root.GetProperty("warnings").EnumerateArray().Any(w => w.GetString()!.StartsWith("Cross-check with the kernel's tools", StringComparison.Ordinal)));
    }

    [Fact]
    public void CpuScaling_SaysWhichWorkerCountsItUsed()
    {
        JsonElement scaling = Experiment("cpu-scaling");
        string workers = scaling.GetProperty("facts").EnumerateArray().Single(f => f.GetProperty("name").GetString() == "workers").GetProperty("value").GetString()!;
        Assert.StartsWith($"k = {string.Join(", ", CpuScalingExperiment.Counts(new LabScale(Quick: true), Environment.ProcessorCount))}", workers, StringComparison.Ordinal);
    }

    private JsonElement Experiment(string name) => Root.GetProperty("experiments").EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);

    private JsonElement[] Measurements(string experiment) => [.. Experiment(experiment).GetProperty("measurements").EnumerateArray()];

    private JsonElement Verdict(string row) =>
        Root.GetProperty("verdicts").EnumerateArray().Single(v => v.GetProperty("claim").GetString()!.StartsWith(row, StringComparison.Ordinal));

    private static string Level(JsonElement[] measurements, string series) =>
        measurements.Single(m => m.GetProperty("series").GetString() == series).GetProperty("level").GetString()!;
}
