using Spindle.Samples.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Spindle.Samples.Tests.LaunchModes;

/// <summary>Worker processes start however the app was started: every way a .NET app is run or shipped.</summary>
[Collection(SlowProgramsCollection.Name)]
public sealed class QuickStartLaunchTests(QuickStartBuild build, ITestOutputHelper log)
{
    [Fact]
    public async Task DotnetRun_RunsCallsInAWorkerProcess()
    {
        ChildResult run = await Dotnet.RunAsync(
            Repository.Root,
            ["run", "--project", QuickStartBuild.Project, "--artifacts-path", build.ArtifactsPath, "--no-launch-profile"],
            log);

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: false);
    }

    [Fact]
    public async Task Apphost_RunsCallsInAWorkerProcess()
    {
        ChildResult run = await RunAsync(Path.Combine(build.BuildOutput, "QuickStart"));

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: true);
    }

    [Fact]
    public async Task DotnetExec_RunsCallsInAWorkerProcess()
    {
        ChildResult run = await RunAsync(Dotnet.Muxer, ["exec", Path.Combine(build.BuildOutput, "QuickStart.dll")]);

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: true);
    }

    [Fact]
    public async Task PublishedApphost_RunsCallsInAWorkerProcess()
    {
        string published = await build.PublishFrameworkDependentAsync(log);

        ChildResult run = await RunAsync(Path.Combine(published, "QuickStart"));

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: true);
    }

    [Fact]
    public async Task PublishedDll_RunsCallsInAWorkerProcess()
    {
        string published = await build.PublishFrameworkDependentAsync(log);

        ChildResult run = await RunAsync(Dotnet.Muxer, [Path.Combine(published, "QuickStart.dll")]);

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: true);
    }

    [Fact]
    public async Task SelfContainedPublish_RunsCallsInAWorkerProcess()
    {
        string published = await build.PublishSelfContainedAsync(log);
        Assert.True(File.Exists(Path.Combine(published, "libcoreclr.so")) || OperatingSystem.IsWindows(), "The publish folder should carry its own runtime.");

        // As on a machine without .NET: nothing points the app at an installed runtime.
        ChildResult run = await RunAsync(
            Path.Combine(published, "QuickStart"),
            environment: new Dictionary<string, string?> { ["DOTNET_ROOT"] = null });

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: true);
    }

    private async Task<ChildResult> RunAsync(string program, string[]? arguments = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ChildResult run = await ChildProcess.RunAsync(program, arguments ?? [], Timeouts.ProgramRun, Path.GetTempPath(), environment);
        log.WriteLine($"{run.Elapsed.TotalSeconds,6:0.0} s  {run.Command}");
        return run;
    }
}
