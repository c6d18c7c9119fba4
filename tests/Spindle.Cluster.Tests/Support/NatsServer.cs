using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// A real nats-server with JetStream for one test class: loopback, a free port, a temporary store directory, a user
/// and password of its own. Started with a bounded wait for it to listen; killed (with its store deleted) at the end,
/// also when the start fails.
/// </summary>
public sealed class NatsServer : IAsyncLifetime
{
    private Process? _process;
    private readonly StringBuilder _output = new();

    public string User { get; } = "spindle";

    public string Password { get; } = Guid.NewGuid().ToString("N");

    public int Port { get; private set; }

    public string Url => $"nats://127.0.0.1:{Port}";

    public string StoreDirectory { get; } = Directory.CreateTempSubdirectory("spindle-nats-").FullName;

    /// <summary>What the server printed, for failure messages.</summary>
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

    public async Task InitializeAsync()
    {
        Port = FreePort();
        await StartAsync();
    }

    /// <summary>Kills the server and starts it again on the same port with the same store (what JetStream keeps on disk survives).</summary>
    public async Task RestartAsync(TimeSpan down)
    {
        Stop();
        await Task.Delay(down);
        await StartAsync();
    }

    /// <summary>Kills the server (SIGKILL: no goodbye to its clients).</summary>
    public void Stop()
    {
        if (_process is { } process)
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
            _process = null;
        }
    }

    private async Task StartAsync()
    {
        string executable = FindServer();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The user and password in a configuration file, for the authorization timeout: the default (2 s) fails an
        // agent's connection outright when a loaded machine delays its handshake.
        string configuration = Path.Combine(StoreDirectory, "server.conf");
        await File.WriteAllTextAsync(configuration, $"authorization {{\n  user: \"{User}\"\n  password: \"{Password}\"\n  timeout: 30\n}}\n");
        foreach (string argument in new[] { "-c", configuration, "-js", "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-sd", StoreDirectory })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            await WaitUntilListeningAsync();
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public Task DisposeAsync()
    {
        Stop();
        try
        {
            Directory.Delete(StoreDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying server: the temp directory is cleaned some other day.
        }

        return Task.CompletedTask;
    }

    private Task WaitUntilListeningAsync() => WaitUntilListeningAsync(_process!, Port, () => Output);

    /// <summary>
    /// Waits, bounded, until the server at <paramref name="port"/> greets a connection with its INFO line; fails at
    /// once with its output if it exited, or with a timeout if it never listened.
    /// </summary>
    internal static async Task WaitUntilListeningAsync(Process process, int port, Func<string> output)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with code {process.ExitCode} while starting:\n{output()}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                var buffer = new byte[4];
                using var read = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                int got = await client.GetStream().ReadAsync(buffer, read.Token);
                if (got == 4 && Encoding.ASCII.GetString(buffer) == "INFO")
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > Bounded.Prompt * 2)
            {
                throw new TimeoutException($"nats-server did not listen on port {port} within {(Bounded.Prompt * 2).TotalSeconds} s:\n{output()}");
            }

            await Task.Delay(50);
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
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    internal static string FindServer()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':').Append("/usr/sbin").Append("/usr/bin"))
        {
            string candidate = Path.Combine(directory, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("nats-server is not installed: run scripts/ensure-nats (./test does).");
    }
}
