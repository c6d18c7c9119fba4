using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// A real <c>spindle agent</c> (the Spindle.Cli built with the bench, run with <c>dotnet</c>) on the bench's server,
/// with a build cache of its own. Started with a bounded wait for its "serving" line; drained with SIGTERM at the
/// end, killed if that takes long.
/// </summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AgentProcess(string name, string cache, ProcessStartInfo info)
    {
        Name = name;
        CacheDirectory = cache;
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public string CacheDirectory { get; }

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

    public static async Task<AgentProcess> StartAsync(string server, string cluster, string name, int workers)
    {
        string cache = Directory.CreateTempSubdirectory("spindle-bench-agent-").FullName;
        ProcessStartInfo info = Harness.Launch.Info(Dotnet(), [CliAssembly(), "agent", "--server", server, "--cluster", cluster, "--name", name,
            "--workers", workers.ToString(CultureInfo.InvariantCulture), "--cache", cache]);
        var agent = new AgentProcess(name, cache, info);
        try
        {
            Task exited = agent._process.WaitForExitAsync();
            if (await Task.WhenAny(agent._serving.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != agent._serving.Task)
            {
                throw new InvalidOperationException($"spindle agent {name} did not start serving:\n{agent.Output}");
            }
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }

        return agent;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                // A drain: it leaves the registry and stops its workers; a kill follows if it takes long.
                Interop.Kill(_process.Id, 15);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Still there: killed below.
        }

        await Stopping.KillAsync(_process);
        try
        {
            Directory.Delete(CacheDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Held by a dying worker; it is under the temp directory.
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

    private static string Dotnet() =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } host && File.Exists(host) ? host
        : "dotnet";

    /// <summary>Spindle.Cli built in the bench's configuration, found from the repository root.</summary>
    private static string CliAssembly()
    {
        string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0/
        string path = Path.Combine(Harness.RepoPaths.Root, "src", "Spindle.Cli", "bin", configuration, "net10.0", "Spindle.Cli.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"spindle agent is not built at '{path}' (it is built with the bench).", path);
    }

    private static class Interop
    {
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        private static extern int SysKill(int pid, int signal);

        public static void Kill(int pid, int signal) => SysKill(pid, signal);
    }
}
