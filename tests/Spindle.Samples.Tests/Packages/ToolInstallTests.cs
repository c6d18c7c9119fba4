using Spindle.Samples.Tests.Infrastructure;
using Spindle.Samples.Tests.LaunchModes;
using Xunit.Abstractions;

namespace Spindle.Samples.Tests.Packages;

/// <summary>The <c>spindle</c> tool as a user gets it: installed from its package into a tool folder, then run.</summary>
[Collection(SlowProgramsCollection.Name)]
public sealed class ToolInstallTests(LocalFeed feed, ITestOutputHelper log)
{
    [Fact]
    public async Task ToolPackage_InstallsIntoAToolPath_AndRuns()
    {
        await feed.PackAsync(log);
        string tools = feed.NewFolder("tools");
        // No nuget.config here: the feed comes in through --add-source, beside the machine's own sources.
        await Dotnet.RunAsync(tools, ["tool", "install", "--tool-path", tools, "--add-source", feed.Folder, "--version", LocalFeed.Version, "Spindle.Cli"], log, feed.Environment);
        string spindle = Path.Combine(tools, OperatingSystem.IsWindows() ? "spindle.exe" : "spindle");
        Assert.True(File.Exists(spindle), $"dotnet tool install left no {spindle}.");

        // The tool's launcher finds the runtime through DOTNET_ROOT when it is not installed in the default place.
        var environment = new Dictionary<string, string?> { ["DOTNET_ROOT"] = DotnetRoot() };
        ChildResult version = (await ChildProcess.RunAsync(spindle, ["--version"], Timeouts.ProgramRun, tools, environment)).EnsureSuccess();
        Assert.StartsWith(LocalFeed.Version, Assert.Single(version.Output), StringComparison.Ordinal);

        // A real call in a worker process and on a worker thread, from the installed tool.
        ChildResult check = (await ChildProcess.RunAsync(spindle, ["check", "--calls", "10"], Timeouts.ProgramRun, tools, environment)).EnsureSuccess();
        log.WriteLine(check.Transcript());
        Assert.Contains(check.Output, line => line.StartsWith("Process  worker: pid ", StringComparison.Ordinal));
        Assert.Contains(check.Output, line => line.StartsWith("Thread   worker: pid ", StringComparison.Ordinal));

        ChildResult usage = await ChildProcess.RunAsync(spindle, ["check", "--calls", "none"], Timeouts.ProgramRun, tools, environment);
        Assert.True(usage.ExitCode == 2, $"A bad option value should exit with the usage code 2.{Environment.NewLine}{usage.Transcript()}");
    }

    private static string DotnetRoot()
    {
        string muxer = Dotnet.Muxer == "dotnet"
            ? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Select(d => Path.Combine(d, "dotnet")).First(File.Exists)
            : Dotnet.Muxer;
        return Path.GetDirectoryName(new FileInfo(muxer).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? muxer)!;
    }
}
