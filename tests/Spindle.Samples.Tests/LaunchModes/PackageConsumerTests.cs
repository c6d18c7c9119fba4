using Spindle.Samples.Tests.Infrastructure;
using Spindle.Samples.Tests.Readme;
using Xunit.Abstractions;

namespace Spindle.Samples.Tests.LaunchModes;

/// <summary>A new user's path: pack Spindle, make a console app, add the package, paste the README example, run.</summary>
[Collection(SlowProgramsCollection.Name)]
public sealed class PackageConsumerTests(ITestOutputHelper log) : IDisposable
{
    private const string NuGetConfig = """
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="spindle" value="{0}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
        </configuration>
        """;

    private readonly TempDirectory _temp = new("package");

    [Fact]
    public async Task NewConsoleApp_WithThePackage_RunsTheReadmeExample()
    {
        string feed = _temp.PathOf("feed");
        string app = _temp.PathOf("App");
        // A package cache of its own: the global one may hold an older Spindle 0.1.0.
        var environment = new Dictionary<string, string?> { ["NUGET_PACKAGES"] = _temp.PathOf("packages") };

        await Dotnet.RunAsync(Repository.Root, ["pack", Repository.PathOf("src", "Spindle"), "-o", feed, "--artifacts-path", _temp.PathOf("artifacts")], log, environment);
        await Dotnet.RunAsync(_temp.Path, ["new", "console", "--name", "App", "--output", app, "--no-restore"], log, environment);
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), string.Format(System.Globalization.CultureInfo.InvariantCulture, NuGetConfig, feed));
        await Dotnet.RunAsync(app, ["add", "package", "Spindle", "--version", "0.1.0"], log, environment);
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ReadmeExample.Code());

        ChildResult run = await Dotnet.RunAsync(app, ["run", "--no-launch-profile"], log, environment);

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: false);
        string output = Path.Combine(app, "bin", "Debug", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "Spindle.Worker.dll")), "The package's build targets should copy Spindle.Worker.dll next to the app.");

        // The same build started through the muxer.
        ChildResult exec = await ChildProcess.RunAsync(Dotnet.Muxer, [Path.Combine(output, "App.dll")], Timeouts.ProgramRun, app);
        log.WriteLine($"{exec.Elapsed.TotalSeconds,6:0.0} s  {exec.Command}");
        QuickStartOutput.AssertRanInAWorkerProcess(exec, startedDirectly: true);
    }

    public void Dispose() => _temp.Dispose();
}
