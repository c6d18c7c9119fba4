using System.Diagnostics;
using System.Reflection;

namespace Spindle.Lab.Tests.Support;

/// <summary>Runs the built <c>spindle</c> command as a real program, bounded in time, and captures what it printed.</summary>
internal static class SpindleCommand
{
    public static string ProgramPath { get; } = typeof(SpindleCommand).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "Spindle.Cli").Value ?? throw new InvalidOperationException("The Spindle.Cli path was not recorded at build time.");

    public static Task<CommandResult> RunAsync(TimeSpan limit, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        RunUnderAsync(limit, environment, [], arguments);

    /// <summary>Runs the command under <paramref name="launcher"/> (a program and its arguments, e.g. <c>unshare -rm sh -c …</c>), which is given <c>dotnet spindle.dll</c> and the arguments to run.</summary>
    public static async Task<CommandResult> RunUnderAsync(TimeSpan limit, IReadOnlyDictionary<string, string>? environment, IReadOnlyList<string> launcher, params string[] arguments)
    {
        var clock = Stopwatch.StartNew();
        using Process process = Start(environment, launcher, arguments);
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

    /// <summary>Starts the command with its output redirected; the caller reads it, and kills the process if it outlives the test.</summary>
    public static Process Start(IReadOnlyDictionary<string, string>? environment, IReadOnlyList<string> launcher, params string[] arguments)
    {
        string[] commandLine = launcher.Count > 0 ? [.. launcher.Skip(1), "dotnet", ProgramPath, .. arguments] : [ProgramPath, .. arguments];
        var info = new ProcessStartInfo(launcher.Count > 0 ? launcher[0] : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in commandLine)
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

        return Process.Start(info)!;
    }
}

/// <summary>How a run of the command ended and what it printed.</summary>
internal sealed record CommandResult(int ExitCode, string Output, string Errors, TimeSpan Elapsed)
{
    public string All => $"{Output}\n{Errors}";
}
