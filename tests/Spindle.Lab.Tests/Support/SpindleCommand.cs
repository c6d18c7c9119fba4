using System.Diagnostics;
using System.Reflection;

namespace Spindle.Lab.Tests.Support;

/// <summary>Runs the built <c>spindle</c> command as a real program, bounded in time, and captures what it printed.</summary>
internal static class SpindleCommand
{
    public static string ProgramPath { get; } = typeof(SpindleCommand).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Spindle.Cli").Value ?? throw new InvalidOperationException("The Spindle.Cli path was not recorded at build time.");

    public static async Task<CommandResult> RunAsync(TimeSpan limit, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(ProgramPath);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // A plain, wide console: the tables wrap predictably and carry no colour codes.
        info.Environment["NO_COLOR"] = "1";
        info.Environment["COLUMNS"] = "200";
        // An empty value removes the variable (to run without NO_COLOR, say).
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value.Length == 0 ? null : value;
        }

        var clock = Stopwatch.StartNew();
        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"spindle {string.Join(' ', arguments)} did not finish within {limit.TotalSeconds} s; output so far:\n{await output}\n{await errors}");
        }

        return new CommandResult(process.ExitCode, await output, await errors, clock.Elapsed);
    }
}

/// <summary>How a run of the command ended and what it printed.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Errors, TimeSpan Elapsed)
{
    public string All => $"{Output}\n{Errors}";
}
