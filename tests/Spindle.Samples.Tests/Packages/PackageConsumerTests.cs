using Spindle.Samples.Tests.Infrastructure;
using Spindle.Samples.Tests.LaunchModes;
using Spindle.Samples.Tests.Readme;
using Xunit.Abstractions;

namespace Spindle.Samples.Tests.Packages;

/// <summary>A new user's path: make a console app, add the packages from the feed, paste an example, run.</summary>
[Collection(SlowProgramsCollection.Name)]
public sealed class PackageConsumerTests(LocalFeed feed, ITestOutputHelper log)
{
    /// <summary>A process-isolated call whose argument and result cross as MemoryPack, with the MessagePack package referenced beside it.</summary>
    private const string MemoryPackProgram = """
        using MemoryPack;
        using Spindle;
        using Spindle.Serialization.MemoryPack;
        using Spindle.Serialization.MessagePack;

        var options = new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1, Serializer = new MemoryPackCallSerializer() };
        await using var pool = new WorkerPool(options);
        Order doubled = await pool.RunAsync(o => o with { Total = o.Total * 2, Worker = Environment.ProcessId }, new Order("A-7", 21.5m, 0));
        Console.WriteLine($"parent {Environment.ProcessId}, worker {doubled.Worker}: {doubled.Id} {doubled.Total.ToString(System.Globalization.CultureInfo.InvariantCulture)}, {typeof(MessagePackCallSerializer).Assembly.GetName().Name}");

        [MemoryPackable]
        public partial record Order(string Id, decimal Total, int Worker);
        """;

    [Fact]
    public async Task NewConsoleApp_WithThePackage_RunsThePackageReadmeExample()
    {
        await feed.PackAsync(log);
        string app = await NewAppAsync("ReadmeApp", "Spindle");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), ReadmeExample.PackageCode());

        ChildResult run = await Dotnet.RunAsync(app, ["run", "--no-launch-profile"], log, feed.Environment);

        QuickStartOutput.AssertRanInAWorkerProcess(run, startedDirectly: false);
        string output = Path.Combine(app, "bin", "Debug", "net10.0");
        Assert.True(File.Exists(Path.Combine(output, "Spindle.Worker.dll")), "The package's build targets should copy Spindle.Worker.dll next to the app.");

        // The same build started through the muxer.
        ChildResult exec = await ChildProcess.RunAsync(Dotnet.Muxer, [Path.Combine(output, "ReadmeApp.dll")], Timeouts.ProgramRun, app);
        log.WriteLine($"{exec.Elapsed.TotalSeconds,6:0.0} s  {exec.Command}");
        QuickStartOutput.AssertRanInAWorkerProcess(exec, startedDirectly: true);
    }

    [Fact]
    public async Task NewConsoleApp_WithBothSerializerPackages_RunsAProcessCallThroughMemoryPack()
    {
        await feed.PackAsync(log);
        string app = await NewAppAsync("SerializerApp", "Spindle", "Spindle.Serialization.MemoryPack", "Spindle.Serialization.MessagePack");
        await File.WriteAllTextAsync(Path.Combine(app, "Program.cs"), MemoryPackProgram);

        ChildResult run = await Dotnet.RunAsync(app, ["run", "--no-launch-profile"], log, feed.Environment);

        string line = Assert.Single(run.Output);
        string[] parts = line.Split([' ', ',', ':'], StringSplitOptions.RemoveEmptyEntries);
        Assert.True(parts is ["parent", _, "worker", _, "A-7", "43.0", "Spindle.Serialization.MessagePack"], $"Unexpected output:{Environment.NewLine}{run.Transcript()}");
        Assert.NotEqual(parts[1], parts[3]);
    }

    /// <summary>`dotnet new console` in the feed's temp folder, a nuget.config for the feed, and `dotnet add package` for each of <paramref name="packages"/>.</summary>
    private async Task<string> NewAppAsync(string name, params string[] packages)
    {
        string app = feed.NewFolder(name);
        await Dotnet.RunAsync(app, ["new", "console", "--name", name, "--output", app, "--no-restore"], log, feed.Environment);
        await feed.WriteNuGetConfigAsync(app);
        foreach (string package in packages)
        {
            await Dotnet.RunAsync(app, ["add", "package", package, "--version", LocalFeed.Version], log, feed.Environment);
        }

        return app;
    }
}
