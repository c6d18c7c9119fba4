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
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--only", run.All, StringComparison.Ordinal);
        Assert.Contains("'warp-drive'", run.All, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", run.All, StringComparison.Ordinal);
        Assert.All(LabRunner.ExperimentNames, name => Assert.Contains(name, run.All, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("lab --warp-drive")]
    [InlineData("lab --out")]
    [InlineData("check --calls 0")]
    [InlineData("check --calls many")]
    [InlineData("launch")]
    public async Task BadUsage_OfLabCheckOrNoCommand_ExitsWithTheUsageCode(string commandLine)
    {
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, commandLine.Split(' '));
        Assert.True(run.ExitCode == 2, run.All);
        Assert.NotEqual(string.Empty, run.Errors.Trim());
        Assert.DoesNotContain("   at ", run.All, StringComparison.Ordinal);
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
            // Timings are still measured; only the /proc switch counters, one per ping-pong timing, are missing.
            JsonElement[] timings = [.. switching.GetProperty("measurements").EnumerateArray()
                .Where(m => m.GetProperty("unit").GetString() == "µs/switch" && !m.GetProperty("series").GetString()!.StartsWith("perf", StringComparison.Ordinal))];
            Assert.True(timings.Length >= 4);
            Assert.DoesNotContain(switching.GetProperty("measurements").EnumerateArray(), m => m.GetProperty("unit").GetString() == "switches");
            JsonElement[] countersMissing = [.. switching.GetProperty("missing").EnumerateArray()
                .Where(m => m.GetProperty("reason").GetString()!.Contains("no /proc counters", StringComparison.Ordinal))];
            Assert.Equal(timings.Length, countersMissing.Length);

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

    [Fact]
    public async Task NoPerfOnThePath_MarksTheCrossCheckNotMeasured_AndTheRestIsReported()
    {
        // A PATH with only the .NET host's own directory on it: no perf, no perf_<version>.
        string dotnet = Path.GetDirectoryName(DotnetHost())!;
        Assert.Empty(Directory.EnumerateFiles(dotnet, "perf*"));
        string output = Directory.CreateTempSubdirectory("lab-out-").FullName;
        try
        {
            CommandResult run = await SpindleCommand.RunAsync(Limit, new Dictionary<string, string> { ["PATH"] = dotnet },
                "lab", "--quick", "--only", "context-switch", "--out", output);
            Assert.True(run.ExitCode == 0, run.All);
            Assert.Contains("not measured (context-switch): perf bench sched pipe (cross-check) — perf not available (apt-get install linux-perf)", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("cross-checked with the kernel's tools", run.Output, StringComparison.Ordinal);

            using JsonDocument report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "report.json")));
            JsonElement switching = report.RootElement.GetProperty("experiments")[0];
            JsonElement perf = switching.GetProperty("missing").EnumerateArray().Single(m => m.GetProperty("what").GetString() == "perf bench sched pipe (cross-check)");
            Assert.Equal("perf not available (apt-get install linux-perf)", perf.GetProperty("reason").GetString());
            Assert.DoesNotContain(switching.GetProperty("measurements").EnumerateArray(), m => m.GetProperty("series").GetString()!.StartsWith("perf", StringComparison.Ordinal));
            JsonElement row = report.RootElement.GetProperty("verdicts").EnumerateArray()
                .Single(v => v.GetProperty("claim").GetString()!.StartsWith("Context Switching", StringComparison.Ordinal));
            Assert.NotEqual("NotMeasured", row.GetProperty("outcome").GetString());
            Assert.Contains("perf bench sched pipe not measured", row.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>The real dotnet executable (not a symlink in /usr/bin, whose directory may hold perf too).</summary>
    private static string DotnetHost()
    {
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        string onPath = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "dotnet")).First(File.Exists);
        return new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
    }
}
