using System.Diagnostics;
using System.Text;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// A tiny cluster client app, built from source with <c>dotnet build</c> into a directory of its own: the same
/// assembly name every time, with a build marker in its source, so two builds are two builds of one assembly (two
/// module version ids). It references the Spindle assemblies these tests were built with; run, it makes calls that
/// report the marker and module version id of the code they ran, and prints its own first.
/// </summary>
internal static class TwinApp
{
    /// <summary>A build on a loaded machine takes long; a hung one is killed after this.</summary>
    private static readonly TimeSpan BuildLimit = Debugger.IsAttached ? Timeout.InfiniteTimeSpan : TimeSpan.FromMinutes(5);

    private const string Program = """
        using Spindle;

        // server user password cluster calls
        var cluster = new ClusterOptions { Server = args[0], User = args[1], Password = args[2], ClusterName = args[3] };
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 4 }.UseCluster(cluster));
        Console.WriteLine($"{Twin.Build}:self:{Twin.Module}");
        string[] results = await Task.WhenAll(Enumerable.Range(0, int.Parse(args[4])).Select(i => pool.RunAsync(x => $"{Twin.Build}:{x}:{Twin.Module}", i)));
        foreach (string result in results)
        {
            Console.WriteLine(result);
        }

        static class Twin
        {
            public const string Build = "@BUILD@";

            public static Guid Module => typeof(Twin).Module.ModuleVersionId;
        }
        """;

    /// <summary>Builds the app with <paramref name="marker"/> in its source into <paramref name="root"/>/<paramref name="marker"/>; returns the output directory.</summary>
    public static async Task<string> BuildAsync(string root, string marker)
    {
        string source = Path.Combine(root, marker, "src");
        string output = Path.Combine(root, marker, "bin");
        Directory.CreateDirectory(source);
        string references = string.Concat(new[] { "Spindle", "Spindle.Cluster", "Spindle.Worker" }.Select(name =>
            $"""<Reference Include="{name}"><HintPath>{Path.Combine(AppContext.BaseDirectory, name + ".dll")}</HintPath></Reference>"""));
        await File.WriteAllTextAsync(Path.Combine(source, "TwinApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <AssemblyName>TwinApp</AssemblyName>
              </PropertyGroup>
              <ItemGroup>{references}</ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(source, "Program.cs"), Program.Replace("@BUILD@", marker, StringComparison.Ordinal));
        (int code, string log) = await RunAsync(source, BuildLimit, "build", "-c", "Release", "-o", output, "-nologo", "-v", "q");
        Assert.True(code == 0, $"dotnet build of the {marker} app failed ({code}):\n{log}");
        return output;
    }

    /// <summary>Runs a built app against a cluster; returns its exit code and output (killed, with its children, after <see cref="Bounded.Unexpected"/>).</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string output, NatsServer server, string cluster, int calls) =>
        RunAsync(output, Bounded.Unexpected, Path.Combine(output, "TwinApp.dll"), server.Url, server.User, server.Password, cluster,
            calls.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static async Task<(int ExitCode, string Output)> RunAsync(string directory, TimeSpan limit, params string[] arguments)
    {
        var start = new ProcessStartInfo(Dotnet())
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // No build server or compiler server may outlive the build (they would hold its output open).
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";
        start.Environment["UseSharedCompilation"] = "false";
        var text = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'dotnet {string.Join(' ', arguments)}' did not finish within {limit.TotalSeconds} s:\n{Text()}");
        }

        process.WaitForExit(); // the last lines of output
        return (process.ExitCode, Text());

        void Keep(string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.AppendLine(line);
                }
            }
        }

        string Text()
        {
            lock (text)
            {
                return text.ToString();
            }
        }
    }

    private static string Dotnet() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self
        : "dotnet";
}
