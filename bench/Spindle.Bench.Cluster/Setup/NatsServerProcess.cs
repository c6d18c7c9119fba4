using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// The bench's own nats-server with JetStream: loopback, a free port, a temporary store directory (deleted at the
/// end). Started with a bounded wait for its port; killed at the end.
/// </summary>
internal sealed class NatsServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NatsServerProcess(Process process, int port, string store)
    {
        _process = process;
        Port = port;
        StoreDirectory = store;
    }

    public int Port { get; }

    public string StoreDirectory { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public string Version { get; private set; } = "?";

    public static async Task<NatsServerProcess> StartAsync()
    {
        string executable = Find() ?? throw new InvalidOperationException("nats-server was not found (scripts/ensure-nats installs Debian's).");
        int port = FreePort.Next();
        string store = Directory.CreateTempSubdirectory("spindle-bench-nats-").FullName;
        ProcessStartInfo info = Harness.Launch.Info(executable, ["-js", "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-sd", store]);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var server = new NatsServerProcess(process, port, store);
        process.OutputDataReceived += (_, e) => server.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => server.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await FreePort.WaitListeningAsync(port, process, TimeSpan.FromSeconds(20));
            (int _, string version, string _) = await Harness.Launch.RunToExitAsync(Harness.Launch.Info(executable, ["--version"]), TimeSpan.FromSeconds(10));
            server.Version = version.Trim();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

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

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string? Find() =>
        new[] { "/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server" }.FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        await Stopping.KillAsync(_process);
        try
        {
            Directory.Delete(StoreDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Nothing more to do: it is under the temp directory.
        }
    }
}

/// <summary>Free loopback ports, and waiting (bounded) until a started server listens on one.</summary>
internal static class FreePort
{
    public static int Next()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static async Task WaitListeningAsync(int port, Process process, TimeSpan within)
    {
        long giveUp = Environment.TickCount64 + (long)within.TotalMilliseconds;
        while (Environment.TickCount64 < giveUp)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.StartInfo.FileName} exited with code {process.ExitCode} before it listened on port {port}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"{process.StartInfo.FileName} did not listen on port {port} within {within.TotalSeconds:0} s.");
    }
}

/// <summary>Ends a process the bench started: killed with its children, waited for (bounded).</summary>
internal static class Stopping
{
    public static async Task KillAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Gone already, or stuck past SIGKILL: nothing more to do from here.
        }

        process.Dispose();
    }
}
