using System.Diagnostics;
using System.Text;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// A real <c>spindle agent</c>: the built Spindle.Cli run with <c>dotnet</c>, against a test's <see cref="NatsServer"/>,
/// with a build cache of its own. Started with a bounded wait for its "serving" line; killed at the end.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess(string name, string cache, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        Name = name;
        CacheDirectory = cache;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(CliAssembly());
        start.ArgumentList.Add("agent");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string variable, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[variable] = value;
        }

        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Exited += (_, _) => _exited.TrySetResult(_process.ExitCode);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string CacheDirectory { get; }

    public int ProcessId => _process.Id;

    public Task<int> Exited => _exited.Task;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts an agent and waits until it serves; extra arguments replace nothing, they are added.</summary>
    public static async Task<AgentProcess> StartAsync(NatsServer server, string name, string cluster, int workers = 1, params string[] extra)
    {
        string cache = Directory.CreateTempSubdirectory("spindle-agent-cache-").FullName;
        string[] arguments = ["--server", server.Url, "--user", server.User, "--password", server.Password, "--name", name, "--cluster", cluster,
            "--workers", workers.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cache", cache, .. extra];
        return await ServingAsync(new AgentProcess(name, cache, arguments));
    }

    /// <summary>Starts an agent whose server, credentials, TLS files and cluster are all in <paramref name="connection"/>; waits until it serves.</summary>
    public static Task<AgentProcess> StartWithAsync(string name, params string[] connection) => StartWithAsync(name, new Dictionary<string, string>(), connection);

    /// <summary>As <see cref="StartWithAsync(string, string[])"/>, with <paramref name="environment"/> added to the agent's environment.</summary>
    public static async Task<AgentProcess> StartWithAsync(string name, IReadOnlyDictionary<string, string> environment, params string[] connection)
    {
        string cache = Directory.CreateTempSubdirectory("spindle-agent-cache-").FullName;
        return await ServingAsync(new AgentProcess(name, cache, [.. connection, "--name", name, "--workers", "1", "--cache", cache], environment));
    }

    private static async Task<AgentProcess> ServingAsync(AgentProcess agent)
    {
        try
        {
            if (await Task.WhenAny(agent._serving.Task, agent._exited.Task, Task.Delay(Bounded.Unexpected)) != agent._serving.Task)
            {
                throw new TimeoutException($"spindle agent {agent.Name} did not start serving (exited: {agent._exited.Task.IsCompleted}):\n{agent.Output}");
            }
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }

        return agent;
    }

    /// <summary>Runs <c>spindle agent</c> expecting it to fail; returns its exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunToFailureAsync(params string[] arguments) => RunToFailureAsync(new Dictionary<string, string>(), arguments);

    /// <summary>As <see cref="RunToFailureAsync(string[])"/>, with <paramref name="environment"/> added to the agent's environment.</summary>
    public static async Task<(int ExitCode, string Output)> RunToFailureAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var agent = new AgentProcess("failing", Directory.CreateTempSubdirectory("spindle-agent-cache-").FullName, arguments, environment);
        await using (agent)
        {
            int code = await agent.Exited.Within("spindle agent to exit");
            agent._process.WaitForExit(); // the last lines of output
            return (code, agent.Output);
        }
    }

    /// <summary>Starts <c>spindle agent</c> with exactly <paramref name="arguments"/>, not waiting for anything.</summary>
    public static AgentProcess Launch(params string[] arguments) =>
        new("launched", Directory.CreateTempSubdirectory("spindle-agent-cache-").FullName, arguments);

    public void Signal(int signal) => Interop.Kill(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _exited.Task.WaitAsync(Bounded.Prompt);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Gone already, or stuck beyond a SIGKILL (nothing more to do from here).
        }

        _process.Dispose();
        try
        {
            Directory.Delete(CacheDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Held by a dying worker.
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains(": serving cluster", StringComparison.Ordinal))
        {
            _serving.TrySetResult();
        }
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && Path.GetFileName(self) == "dotnet" ? self
        : "dotnet";

    /// <summary>The Spindle.Cli built with these tests (same configuration), found from the repository root.</summary>
    private static string CliAssembly()
    {
        string testDirectory = AppContext.BaseDirectory;
        string configuration = new DirectoryInfo(testDirectory).Parent!.Name; // bin/<configuration>/net10.0/
        DirectoryInfo? root = new(testDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Spindle.slnx")))
        {
            root = root.Parent;
        }

        string path = Path.Combine(root?.FullName ?? throw new InvalidOperationException("The repository root (Spindle.slnx) was not found above the tests."),
            "src", "Spindle.Cli", "bin", configuration, "net10.0", "Spindle.Cli.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"spindle agent is not built at '{path}' (it is built with the tests).", path);
    }

    private static class Interop
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SysKill(int pid, int signal);

        public static void Kill(int pid, int signal)
        {
            if (SysKill(pid, signal) != 0)
            {
                throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
            }
        }
    }
}
