using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Spindle.Samples.Tests.Infrastructure;

/// <summary>
/// A program that runs until it is told to stop (a worker service, a web server), started as a real child process.
/// Its output is read as it comes so a test can wait for a line; every wait is bounded, and on a timeout, or when the
/// test ends with it still running, the program and every process it started are killed.
/// </summary>
internal sealed class RunningProgram : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];
    private readonly Task _reading;
    private readonly string _command;

    private RunningProgram(Process process, string command)
    {
        _process = process;
        _command = command;
        _reading = Task.WhenAll(CollectAsync(process.StandardOutput, _output), CollectAsync(process.StandardError, _errors));
    }

    /// <summary>The program's process id: with its apphost, the app's own.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the built sample <paramref name="name"/> through its apphost, in its build folder (its content root, where
    /// appsettings.json is), as a deployed service runs.
    /// </summary>
    public static RunningProgram StartSample(string name, params string[] arguments)
    {
        string dll = Repository.SampleProgram(name);
        string apphost = Path.ChangeExtension(dll, OperatingSystem.IsWindows() ? ".exe" : null);
        var info = new ProcessStartInfo(File.Exists(apphost) ? apphost : Dotnet.Muxer)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        if (!File.Exists(apphost))
        {
            info.ArgumentList.Add("exec");
            info.ArgumentList.Add(dll);
        }

        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (string variable in info.Environment.Keys.Where(ChildProcess.IsHostVariable).ToArray())
        {
            info.Environment.Remove(variable);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        string command = string.Join(' ', [info.FileName, .. info.ArgumentList]);
        Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start `{command}`.");
        process.StandardInput.Close();
        return new RunningProgram(process, command);
    }

    /// <summary>Waits for an output line matching <paramref name="pattern"/>, or fails (killing the program) with everything it printed.</summary>
    public async Task<Match> WaitForLineAsync(Regex pattern, string what)
    {
        var clock = Stopwatch.StartNew();
        int seen = 0;
        while (true)
        {
            lock (_output)
            {
                for (; seen < _output.Count; seen++)
                {
                    if (pattern.Match(_output[seen]) is { Success: true } match)
                    {
                        return match;
                    }
                }
            }

            if (_process.HasExited || clock.Elapsed > Timeouts.ProgramRun)
            {
                string why = _process.HasExited ? $"it exited with code {_process.ExitCode}" : $"not within {Timeouts.ProgramRun.TotalSeconds:0} s";
                await KillAsync();
                throw new XunitException($"`{_command}` printed no line for {what} ({why}).{Environment.NewLine}{Transcript()}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Sends SIGTERM, as systemd, Docker and Kubernetes stop a service, and waits for the program to exit and for its
    /// output to close (only a process it left behind would hold it open). Returns the exit code.
    /// </summary>
    public async Task<int> StopAsync()
    {
        using (Process kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().WaitAsync(Timeouts.ProgramRun);
        }

        using var deadline = new CancellationTokenSource(Timeouts.ProgramRun);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            throw new XunitException($"`{_command}` did not stop within {Timeouts.ProgramRun.TotalSeconds:0} s of SIGTERM; killed it.{Environment.NewLine}{Transcript()}");
        }

        if (await Task.WhenAny(_reading, Task.Delay(Timeouts.OutputAfterExit)) != _reading)
        {
            throw new XunitException($"`{_command}` exited, but a process it started still holds its output open: something outlived it.{Environment.NewLine}{Transcript()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Everything printed so far.</summary>
    public string Transcript()
    {
        lock (_output)
        {
            lock (_errors)
            {
                return ChildResult.Transcript(_output, _errors);
            }
        }
    }

    /// <summary>The output lines printed so far.</summary>
    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    private async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WaitAsync(Timeouts.OutputAfterExit);
    }

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
}
