using System.Diagnostics;
using System.Globalization;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// Celery's broker and result backend for the Celery rows: a redis-server on a free loopback port, no persistence,
/// started and stopped by the bench. Without redis-server (scripts/ensure-python-peers installs it) the rows say so.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, int port, string directory)
    {
        _process = process;
        _directory = directory;
        Url = $"redis://127.0.0.1:{port}/0";
    }

    public string Url { get; }

    /// <summary>A started server, or null and why not.</summary>
    public static async Task<(RedisServer? Server, string? Problem)> TryStartAsync()
    {
        string? executable = new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server" }.FirstOrDefault(File.Exists);
        if (executable is null)
        {
            return (null, "redis-server not installed (scripts/ensure-python-peers): skipped");
        }

        int port = FreePort.Next();
        string directory = Directory.CreateTempSubdirectory("spindle-bench-redis-").FullName;
        Process process = Process.Start(Harness.Launch.Info(executable,
            ["--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory]))
            ?? throw new InvalidOperationException($"Could not start {executable}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, port, directory);
        try
        {
            await FreePort.WaitListeningAsync(port, process, TimeSpan.FromSeconds(15));
            return (server, null);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            await server.DisposeAsync();
            return (null, $"redis-server did not start: {e.Message}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stopping.KillAsync(_process);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // Under the temp directory.
        }
    }
}
