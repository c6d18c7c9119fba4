using System.Globalization;
using Spindle.Cluster.Nats;

namespace Spindle.Cli.Cluster;

/// <summary>
/// A whole cluster on this machine for <c>spindle cluster demo</c>: a nats-server on a loopback port with a temporary
/// store, and N <c>spindle agent</c> processes of this same program. The token they share is passed in files only this
/// user may read (in the temporary directory), never on a command line. Disposing it stops the agents (they drain), then
/// the server, each within a bound, and deletes the temporary directory: nothing is left running or lying around.
/// </summary>
internal sealed class DemoCluster : IAsyncDisposable
{
    public const string ClusterName = "demo";

    private const int MaxAgentStarts = 3;
    private static readonly TimeSpan AgentStartTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan AgentDrainTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ServerStopTimeout = TimeSpan.FromSeconds(5);

    private readonly DirectoryInfo _directory;
    private readonly string _tokenFile;
    private readonly List<ChildProgram> _agents = [];
    private ChildProgram? _server;

    private readonly Action<string> _log;

    private DemoCluster(DirectoryInfo directory, ClusterOptions target, Action<string> log)
    {
        _directory = directory;
        Target = target;
        _log = log;
        _tokenFile = Path.Combine(directory.FullName, "token");
    }

    /// <summary>Where a pool finds this cluster.</summary>
    public ClusterOptions Target { get; }

    /// <summary>
    /// Starts the server and the agents and waits (bounded) until every agent serves. Anything that fails on the way
    /// stops what was started, then throws a <see cref="SpindleException"/> with the failing program's last lines.
    /// </summary>
    public static async Task<DemoCluster> StartAsync(string natsServer, int port, int agents, int workersPerAgent, Action<string> log, CancellationToken cancellationToken)
    {
        DirectoryInfo directory = Directory.CreateTempSubdirectory("spindle-cluster-demo-");
        string token = Guid.NewGuid().ToString("N");
        var cluster = new DemoCluster(directory, new ClusterOptions { Server = $"nats://127.0.0.1:{port}", ClusterName = ClusterName, Token = token }, log);
        try
        {
            string store = directory.CreateSubdirectory("store").FullName;
            PrivateFile.Write(cluster._tokenFile, token);
            cluster._server = await LocalNatsServer.StartAsync(natsServer, port, directory.FullName, store, token, cancellationToken);
            log($"nats-server (pid {cluster._server.ProcessId}) listens on {ServerAddress.Redacted(cluster.Target.Server)}, JetStream store in {store}");

            await Task.WhenAll(Enumerable.Range(1, agents).Select(i => cluster.StartAgentAsync($"demo-agent-{i}", workersPerAgent, log)))
                .WaitAsync(AgentStartTimeout, cancellationToken);
            return cluster;
        }
        catch (TimeoutException)
        {
            ChildProgram[] late;
            lock (cluster._agents)
            {
                late = cluster._agents.Where(a => !a.Exited.IsCompleted && !a.Tail.Contains(": serving cluster", StringComparison.Ordinal)).ToArray();
            }

            await cluster.DisposeAsync();
            throw new SpindleException(
                $"{string.Join(", ", late.Select(a => a.Name))} did not start serving within {AgentStartTimeout.TotalSeconds:0} s:{Environment.NewLine}" +
                string.Join(Environment.NewLine, late.Select(a => a.Tail)));
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
        ChildProgram[] agents;
        lock (_agents)
        {
            agents = [.. _agents];
        }

        bool[] drained = await Task.WhenAll(agents.Select(a => a.StopAsync(AgentDrainTimeout)));
        for (int i = 0; i < agents.Length; i++)
        {
            if (!drained[i])
            {
                _log($"{agents[i].Name} did not drain within {AgentDrainTimeout.TotalSeconds:0} s of SIGTERM; killed");
            }

            await agents[i].DisposeAsync();
        }

        if (_server is not null)
        {
            if (!await _server.StopAsync(ServerStopTimeout))
            {
                _log($"nats-server did not stop within {ServerStopTimeout.TotalSeconds:0} s of SIGTERM; killed");
            }

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

    /// <summary>
    /// Starts an agent and waits until it serves. On a busy machine an agent may give up connecting (its bound is 5 s;
    /// the server may even time out its authentication) while the new server is still setting up JetStream; the server
    /// and its token are the demo's own, so such an agent is started again, a few times, before the demo gives up.
    /// </summary>
    private async Task StartAgentAsync(string name, int workers, Action<string> log)
    {
        for (int attempt = 1; ; attempt++)
        {
            (ChildProgram agent, Task serving) = StartAgent(name, Target, _tokenFile, workers, _directory.CreateSubdirectory($"cache-{name}").FullName, log);
            lock (_agents)
            {
                _agents.Add(agent);
            }

            log($"{name} (pid {agent.ProcessId}) started with {workers} worker{(workers == 1 ? string.Empty : "s")}");
            try
            {
                await serving;
                return;
            }
            catch (SpindleException) when (attempt < MaxAgentStarts)
            {
                log($"{name} exited before it served; starting it again");
            }
        }
    }

    /// <summary>
    /// Starts <c>spindle agent</c> (this program again); the task completes when it says it serves, and fails if it exits
    /// first. It reads the token from <paramref name="tokenFile"/>; a password or token of the user's environment is not
    /// passed on, as the agent would refuse two ways to sign in.
    /// </summary>
    private static (ChildProgram Agent, Task Serving) StartAgent(string name, ClusterOptions target, string tokenFile, int workers, string cache, Action<string> log)
    {
        var serving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        (string program, string[] prefix) = ThisProgram();
        string[] arguments =
        [
            .. prefix, "agent", "--server", target.Server!, "--token-file", tokenFile, "--cluster", target.ClusterName, "--name", name,
            "--workers", workers.ToString(CultureInfo.InvariantCulture), "--cache", cache,
        ];
        string[] withoutVariables = [ClusterCommandOptions.PasswordVariable, ClusterCommandOptions.TokenVariable];
        ChildProgram agent = ChildProgram.Start(name, program, arguments, withoutVariables, line =>
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
