using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Spindle.Cli.Cluster;

/// <summary>
/// A program <c>spindle cluster demo</c> starts and owns (nats-server, <c>spindle agent</c>): its output read line by
/// line (the last lines kept for errors), and a stop that asks first (SIGTERM) and kills the whole tree when the
/// answer does not come within a bound, so nothing is ever left running.
/// </summary>
internal sealed partial class ChildProgram : IAsyncDisposable
{
    private const int MaxKeptLines = 40;
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action<string> _onLine;

    private ChildProgram(string name, Process process, Action<string> onLine)
    {
        Name = name;
        _process = process;
        _onLine = onLine;
    }

    /// <summary>What it is called in messages: <c>nats-server</c>, <c>demo-agent-1</c>.</summary>
    public string Name { get; }

    public int ProcessId => _process.Id;

    /// <summary>Completes when the program has exited.</summary>
    public Task Exited => _exited.Task;

    /// <summary>The last lines it printed, for an error message.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>; <paramref name="onLine"/> sees every line it prints (stdout and stderr), on a
    /// reader thread. With <paramref name="ownSession"/> it runs in a session of its own (<c>setsid</c>, same pid), so a
    /// Ctrl+C on the terminal, which signals the terminal's whole process group, does not reach it: the demo stops it
    /// itself, in order.
    /// </summary>
    public static ChildProgram Start(string name, string fileName, IEnumerable<string> arguments, Action<string> onLine, bool ownSession = false) =>
        Start(name, fileName, arguments, [], onLine, ownSession);

    /// <summary>As <see cref="Start(string, string, IEnumerable{string}, Action{string}, bool)"/>, without the environment variables named in <paramref name="withoutVariables"/>.</summary>
    public static ChildProgram Start(string name, string fileName, IEnumerable<string> arguments, IEnumerable<string> withoutVariables, Action<string> onLine, bool ownSession = false)
    {
        // setsid(1) makes a new session and execs the program in its own process, as the child of a fork is never a
        // process group leader (one would make it fork, and the pid held here would not be the program's).
        bool inSession = ownSession && File.Exists(SetsidPath);
        var start = new ProcessStartInfo(inSession ? SetsidPath : fileName) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        if (inSession)
        {
            start.ArgumentList.Add(fileName);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string variable in withoutVariables)
        {
            start.Environment.Remove(variable);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProgram(name, process, onLine);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.Exited += (_, _) => child._exited.TrySetResult();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>
    /// Asks it to stop (SIGTERM: an agent drains, nats-server shuts down), waits up to <paramref name="grace"/>, then
    /// kills it and every process it started. Returns true if it stopped when asked.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_exited.Task.IsCompleted)
        {
            return true;
        }

        _ = kill(_process.Id, SigTerm);
        if (await Task.WhenAny(_exited.Task, Task.Delay(grace)).ConfigureAwait(false) == _exited.Task)
        {
            return true;
        }

        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the wait and the kill.
        }

        if (await Task.WhenAny(_exited.Task, Task.Delay(KillWait)).ConfigureAwait(false) != _exited.Task)
        {
            throw new InvalidOperationException($"{Name} (pid {_process.Id}) did not exit within {KillWait.TotalSeconds:0} s of SIGKILL.");
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            if (_tail.Count == MaxKeptLines)
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(line);
        }

        _onLine(line);
    }

    private const int SigTerm = 15;

    /// <summary>util-linux's setsid, in every Debian install.</summary>
    private const string SetsidPath = "/usr/bin/setsid";

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}
