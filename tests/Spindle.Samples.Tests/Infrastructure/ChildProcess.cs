using System.Diagnostics;
using Xunit.Sdk;

namespace Spindle.Samples.Tests.Infrastructure;

/// <summary>
/// Runs a program as a real child process and collects its output. Every run is bounded: on timeout the program
/// and every process it started are killed and the test fails with what it printed so far.
/// </summary>
internal static class ChildProcess
{
    /// <summary>Variables that <c>dotnet test</c> and the test host set for themselves; a child must not inherit them.</summary>
    private static readonly string[] HostVariablePrefixes = ["MSBUILD", "DOTNET_HOST_PATH", "VSTEST", "TESTINGPLATFORM", "DOTNET_STARTUP_HOOKS"];

    public static async Task<ChildResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string name in info.Environment.Keys.Where(IsHostVariable).ToArray())
        {
            info.Environment.Remove(name);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach ((string name, string? value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[name] = value;
        }

        string command = string.Join(' ', [fileName, .. info.ArgumentList]);
        var output = new List<string>();
        var errors = new List<string>();
        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start `{command}`.");
        process.StandardInput.Close();
        Task reading = Task.WhenAll(CollectAsync(process.StandardOutput, output), CollectAsync(process.StandardError, errors));

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(Timeouts.OutputAfterExit);
            throw new XunitException(
                $"`{command}` did not finish within {timeout.TotalSeconds:0.##} s; killed it and every process it started.{Environment.NewLine}{Snapshot(output, errors)}");
        }

        // The pipes close when every process holding them has exited, the program's own worker processes included.
        if (await Task.WhenAny(reading, Task.Delay(Timeouts.OutputAfterExit)) != reading)
        {
            throw new XunitException(
                $"`{command}` exited with code {process.ExitCode}, but {Timeouts.OutputAfterExit.TotalSeconds:0} s later a process it started " +
                $"still holds its output open: something outlived the program.{Environment.NewLine}{Snapshot(output, errors)}");
        }

        await reading;
        return new ChildResult(command, process.Id, process.ExitCode, output, errors, clock.Elapsed);
    }

    internal static bool IsHostVariable(string name) =>
        HostVariablePrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase));

    private static async Task CollectAsync(StreamReader reader, List<string> lines)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
    }

    private static string Snapshot(List<string> output, List<string> errors)
    {
        lock (output)
        {
            lock (errors)
            {
                return ChildResult.Transcript(output, errors);
            }
        }
    }
}
