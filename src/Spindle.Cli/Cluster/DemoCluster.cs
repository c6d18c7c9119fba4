using System.Globalization;

namespace Spindle.Cli.Cluster;

/// <summary>
/// A whole cluster on this machine for <c>spindle cluster demo</c>: a nats-server on a loopback port with a temporary
/// store, and N <c>spindle agent</c> processes of this same program. Disposing it stops the agents (they drain), then
/// the server, each within a bound, and deletes the temporary directory: nothing is left running or lying around.
/// </summary>
internal sealed class DemoCluster : IAsyncDisposable
{
    public const string ClusterName = "demo";

    private static readonly TimeSpan AgentStartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AgentDrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ServerStopTimeout = TimeSpan.FromSeconds(5);

    private readonly DirectoryInfo _directory;
    private readonly List<ChildProgram> _agents = [];
    private ChildProgram? _server;

    private DemoCluster(DirectoryInfo directory, ClusterTarget target)
    {
        _directory = directory;
        Target = target;
    }

    /// <summary>Where a pool finds this cluster.</summary>
    public ClusterTarget Target { get; }

    /// <summary>
    /// Starts the server and the agents and waits (bounded) until every agent serves. Anything that fails on the way
    /// stops what was started, then throws a <see cref="SpindleException"/> with the failing program's last lines.
    /// </summary>
    public static async Task<DemoCluster> StartAsync(string natsServer, int port, int agents, int workersPerAgent, Action<string> log, CancellationToken cancellationToken)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("spindle-cluster-demo-");
        string token = Guid.NewGuid().ToString("N");
        var cluster = new DemoCluster(directory, new ClusterTarget($"nats://127.0.0.1:{port}", ClusterName, Token: token));
        try
        {
            string store = directory.CreateSubdirectory("store").FullName;
            cluster._server = await LocalNatsServer.StartAsync(natsServer, port, store, token, cancellationToken);
            log($"nats-server (pid {cluster._server.ProcessId}) listens on {cluster.Target.Server}, JetStream store in {store}");

            var serving = new List<Task>();
            for (int i = 1; i <= agents; i++)
            {
                (ChildProgram agent, Task started) = StartAgent($"demo-agent-{i}", cluster.Target, workersPerAgent, directory.CreateSubdirectory($"cache-{i}").FullName, log);
                cluster._agents.Add(agent);
                log($"{agent.Name} (pid {agent.ProcessId}) started with {workersPerAgent} worker{(workersPerAgent == 1 ? string.Empty : "s")}");
                serving.Add(started);
            }

            await Task.WhenAll(serving).WaitAsync(AgentStartTimeout, cancellationToken);
            return cluster;
        }
        catch (TimeoutException)
        {
            ChildProgram late = cluster._agents.First(a => !a.Exited.IsCompleted);
            await cluster.DisposeAsync();
            throw new SpindleException($"{late.Name} did not start serving within {AgentStartTimeout.TotalSeconds:0} s:{Environment.NewLine}{late.Tail}");
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the agents first (each drains: it finishes what it holds), then the server; deletes the temporary directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_agents.Select(a => a.StopAsync(AgentDrainTimeout)));
        foreach (ChildProgram agent in _agents)
        {
            await agent.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.StopAsync(ServerStopTimeout);
            await _server.DisposeAsync();
        }

        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held for a moment by a process that just died; the temporary directory is cleaned later.
        }
    }

    /// <summary>Starts <c>spindle agent</c> (this program again); the task completes when it says it serves, and fails if it exits first.</summary>
    private static (ChildProgram Agent, Task Serving) StartAgent(string name, ClusterTarget target, int workers, string cache, Action<string> log)
    {
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (string program, string[] prefix) = ThisProgram();
        string[] arguments =
        [
            .. prefix, "agent", "--server", target.Server, "--token", target.Token!, "--cluster", target.ClusterName, "--name", name,
            "--workers", workers.ToString(CultureInfo.InvariantCulture), "--cache", cache,
        ];
        ChildProgram agent = ChildProgram.Start(name, program, arguments, line =>
        {
            log(line);
            if (line.Contains(": serving cluster", StringComparison.Ordinal))
            {
                serving.TrySetResult();
            }
        });
        _ = agent.Exited.ContinueWith(
            _ => serving.TrySetException(new SpindleException($"{name} exited before it served:{Environment.NewLine}{agent.Tail}")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return (agent, serving.Task);
    }

    /// <summary>How to start this program again: the app host itself, or <c>dotnet Spindle.Cli.dll</c> when started that way.</summary>
    private static (string Program, string[] Prefix) ThisProgram()
    {
        string self = Environment.ProcessPath ?? throw new SpindleException("The path of this program is unknown, so it cannot start agents.");
        string? entry = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return Path.GetFileNameWithoutExtension(self) == "dotnet" && !string.IsNullOrEmpty(entry) ? (self, [entry]) : (self, []);
    }
}
