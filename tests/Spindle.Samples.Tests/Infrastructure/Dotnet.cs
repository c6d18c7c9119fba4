using Xunit.Abstractions;

namespace Spindle.Samples.Tests.Infrastructure;

/// <summary>The <c>dotnet</c> command line, run as a child process with no build servers left behind.</summary>
internal static class Dotnet
{
    /// <summary>The muxer running these tests when known (set by the SDK), else whatever <c>dotnet</c> is on PATH.</summary>
    public static readonly string Muxer =
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>No MSBuild nodes, build server or compiler server may outlive a command: they would hold its output open.</summary>
    private static readonly Dictionary<string, string?> NoBuildServers = new()
    {
        ["MSBUILDDISABLENODEREUSE"] = "1",
        ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
        ["UseSharedCompilation"] = "false",
    };

    /// <summary>Runs <c>dotnet <paramref name="arguments"/></c> and fails the test unless it succeeds within <paramref name="timeout"/> (default <see cref="Timeouts.DotnetCommand"/>).</summary>
    public static async Task<ChildResult> RunAsync(
        string workingDirectory,
        IEnumerable<string> arguments,
        ITestOutputHelper log,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? timeout = null)
    {
        Dictionary<string, string?> variables = new(NoBuildServers);
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            variables[name] = value;
        }

        ChildResult result = await ChildProcess.RunAsync(Muxer, arguments, timeout ?? Timeouts.DotnetCommand, workingDirectory, variables);
        log.WriteLine($"{result.Elapsed.TotalSeconds,6:0.0} s  {result.Command}");
        return result.EnsureSuccess();
    }
}
