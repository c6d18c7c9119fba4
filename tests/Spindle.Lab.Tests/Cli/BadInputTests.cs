using System.Text.Json;
using Spindle.Lab.Running;
using Spindle.Lab.Tests.Support;

namespace Spindle.Lab.Tests.Cli;

/// <summary>Bad input gets a clear message naming the option, and whatever can still be measured is reported.</summary>
[Collection(QuickLabCollection.Name)]
public sealed class BadInputTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task UnknownExperiment_FailsNamingTheOptionAndTheValidNames()
    {
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--only", "creation,warp-drive");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--only", run.All, StringComparison.Ordinal);
        Assert.Contains("'warp-drive'", run.All, StringComparison.Ordinal);
        Assert.All(LabRunner.ExperimentNames, name => Assert.Contains(name, run.All, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnwritableOutput_NamesOut_AndStillPrintsTheTable()
    {
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--quick", "--only", "isolation", "--out", "/proc/spindle-lab-cannot-be-here");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--out /proc/spindle-lab-cannot-be-here", run.All, StringComparison.Ordinal);
        Assert.Contains("Isolation", run.Output, StringComparison.Ordinal);
        Assert.Contains("confirmed", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoProcCountersAndNoPython_MarkTheirPartsMissing_AndTheRestIsReported()
    {
        string fakeProc = Directory.CreateTempSubdirectory("no-proc-").FullName;
        string output = Directory.CreateTempSubdirectory("lab-out-").FullName;
        try
        {
            CommandResult run = await SpindleCommand.RunAsync(Limit, new Dictionary<string, string> { ["SPINDLE_LAB_PROC_ROOT"] = fakeProc },
                "lab", "--quick", "--no-python", "--only", "memory", "--only", "context-switch,cpu-scaling", "--out", output);
            Assert.Equal(0, run.ExitCode);
            Assert.Contains("no /proc counters", run.Output, StringComparison.Ordinal);
            using JsonDocument report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "report.json")));
            JsonElement[] experiments = [.. report.RootElement.GetProperty("experiments").EnumerateArray()];
            Assert.Equal(["context-switch", "memory", "cpu-scaling"], experiments.Select(e => e.GetProperty("name").GetString()));

            JsonElement memory = experiments.Single(e => e.GetProperty("name").GetString() == "memory");
            Assert.Equal(0, memory.GetProperty("measurements").GetArrayLength());
            Assert.Contains("no /proc counters", memory.GetProperty("missing")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);

            JsonElement switching = experiments.Single(e => e.GetProperty("name").GetString() == "context-switch");
            // Timings are still measured; only the /proc switch counters, one per timing, are missing.
            Assert.True(switching.GetProperty("measurements").GetArrayLength() >= 4);
            Assert.All(switching.GetProperty("measurements").EnumerateArray(), m => Assert.Equal("µs/switch", m.GetProperty("unit").GetString()));
            Assert.Equal(switching.GetProperty("measurements").GetArrayLength(), switching.GetProperty("missing").GetArrayLength());

            JsonElement scaling = experiments.Single(e => e.GetProperty("name").GetString() == "cpu-scaling");
            string[] missing = [.. scaling.GetProperty("missing").EnumerateArray().Select(m => m.GetProperty("reason").GetString()!)];
            Assert.Equal(2, missing.Length);
            Assert.All(missing, reason => Assert.Contains("--no-python", reason, StringComparison.Ordinal));
            Assert.DoesNotContain(scaling.GetProperty("measurements").EnumerateArray(), m => m.GetProperty("origin").GetString() == "Python");

            JsonElement[] verdicts = [.. report.RootElement.GetProperty("verdicts").EnumerateArray()];
            JsonElement memoryRow = verdicts.Single(v => v.GetProperty("claim").GetString()!.StartsWith("Memory Space", StringComparison.Ordinal));
            Assert.Equal("NotMeasured", memoryRow.GetProperty("outcome").GetString());
            JsonElement switchRow = verdicts.Single(v => v.GetProperty("claim").GetString()!.StartsWith("Context Switching", StringComparison.Ordinal));
            Assert.NotEqual("NotMeasured", switchRow.GetProperty("outcome").GetString());
            Assert.True(File.Exists(Path.Combine(output, "report.html")));
        }
        finally
        {
            Directory.Delete(fakeProc, recursive: true);
            Directory.Delete(output, recursive: true);
        }
    }
}
