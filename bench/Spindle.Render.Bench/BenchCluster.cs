using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using Spindle;

namespace Spindle.Render.Bench;

/// <summary>
/// A cluster on this machine for the bench: a nats-server (loopback, temporary store, a token) and real
/// <c>spindle agent</c> processes, grouped in named clusters so one run can measure 1 agent against 2. Everything is
/// killed and deleted at the end.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly List<Process> _processes = [];
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("spindle-render-bench-");
    private readonly string _token = Guid.NewGuid().ToString("N");

    private BenchCluster(int port) => Server = $"nats://127.0.0.1:{port}";

    public string Server { get; }

    /// <summary>Starts nats-server, then <paramref name="agents"/> (cluster name → agent count), each agent with one worker.</summary>
    public static async Task<BenchCluster> StartAsync(IReadOnlyDictionary<string, int> agents)
    {
        string natsServer = new[] { "/usr/sbin", "/usr/bin" }.Concat((Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':'))
            .Select(d => Path.Combine(d, "nats-server")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed: run scripts/ensure-nats.");
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var cluster = new BenchCluster(port);
        try
        {
            cluster.Start(natsServer, ["-js", "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-sd", cluster._directory.CreateSubdirectory("store").FullName, "--auth", cluster._token], null);
            await WaitForServerAsync(port);
            foreach ((string name, int count) in agents)
            {
                for (int i = 1; i <= count; i++)
                {
                    await cluster.StartAgentAsync(name, $"{name}-agent-{i}");
                }
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts one agent with one worker and waits until it serves. On a loaded machine an agent may give up connecting
    /// (its bound is 5 s); it is started again, a few times.
    /// </summary>
    private async Task StartAgentAsync(string cluster, string agent)
    {
        for (int attempt = 1; ; attempt++)
        {
            var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Process process = Start(Dotnet(), [CliAssembly(), "agent", "--server", Server, "--token", _token, "--cluster", cluster, "--name", agent, "--workers", "1",
                "--cache", _directory.CreateSubdirectory($"cache-{agent}").FullName], line =>
                {
                    if (line.Contains(": serving cluster", StringComparison.Ordinal))
                    {
                        serving.TrySetResult();
                    }
                });
            Task first = await Task.WhenAny(serving.Task, process.WaitForExitAsync()).WaitAsync(StartTimeout);
            if (first == serving.Task)
            {
                return;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"spindle agent {agent} exited {attempt} times before it served (its errors are above).");
            }
        }
    }

    /// <summary>Options for a pool on cluster <paramref name="name"/>, keeping <paramref name="inFlight"/> frames there at once.</summary>
    public WorkerPoolOptions PoolOptions(string name, int inFlight) =>
        new WorkerPoolOptions { Workers = inFlight, Name = $"bench-{name}" }.UseCluster(new ClusterOptions { Server = Server, Token = _token, ClusterName = name });

    public async ValueTask DisposeAsync()
    {
        foreach (Process process in Enumerable.Reverse(_processes))
        {
            try
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (InvalidOperationException)
            {
                // Gone already.
            }

            process.Dispose();
        }

        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Held for a moment by a process that just died.
        }
    }

    private Process Start(string program, string[] arguments, Action<string>? onLine)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { onLine?.Invoke(line); } };
        // nats-server logs every start-up detail on stderr; an agent writes only its errors there.
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line && onLine is not null) { Console.Error.WriteLine($"  [agent] {line}"); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
        return process;
    }

    private static async Task WaitForServerAsync(int port)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (clock.Elapsed < StartTimeout)
            {
                await Task.Delay(50);
            }
        }
    }

    private static string Dotnet() => Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    private static string CliAssembly() =>
        typeof(BenchCluster).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "Spindle.Cli")?.Value
        ?? throw new InvalidOperationException("The bench was built without the path of Spindle.Cli.dll.");
}
