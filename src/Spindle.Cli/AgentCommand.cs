using System.CommandLine;
using System.Runtime.InteropServices;
using Spindle.Cluster.Agent;
using Spindle.Wire;

namespace Spindle.Cli;

/// <summary>
/// <c>spindle agent</c>: runs calls for cluster pools on other machines, pulling them from a NATS JetStream server
/// (docs/cluster.md). SIGTERM or Ctrl+C drains: no more calls are taken, the ones held finish, then it exits 0.
/// </summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var connection = ClusterCommandOptions.Create(serverRequired: true);
        var workers = CliOptions.Ranged("--workers", "Worker processes running calls.", Environment.ProcessorCount, 1, 1024);
        // No default value for the parser: --help would show its own process's id as the default name.
        var name = new Option<string>("--name") { Description = "The agent's name in the cluster (letters, digits, '-', '_'); default: the host name and process id.", HelpName = "NAME" };
        name.Validators.Add(r => ClusterCommandOptions.Check(r, () => ClusterOptions.CheckName(r.GetValueOrDefault<string>()!, "--name")));
        var allowAnonymous = new Option<bool>("--allow-anonymous")
        {
            Description = "Connect without credentials to a server on another machine (refused otherwise: whoever can publish to it runs code here). Not needed for a loopback server.",
        };
        var cache = new Option<string>("--cache") { Description = "Directory for the builds the agent fetches; default: ~/.cache/spindle/builds.", DefaultValueFactory = _ => DefaultCache(), HelpName = "DIR" };
        cache.Validators.Add(r =>
        {
            if (string.IsNullOrWhiteSpace(r.GetValueOrDefault<string>()))
            {
                r.AddError("--cache: give a directory for the builds the agent fetches (or leave the option out for ~/.cache/spindle/builds).");
            }
        });
        var ackWait = CliOptions.Ranged("--ack-wait", "Seconds a taken call may go unacknowledged before the server gives it to another agent (kept alive while it runs).", 30, 1, 3600);
        var maxDeliver = CliOptions.Ranged("--max-deliver", "Deliveries of a call whose caller never answers before it is removed from the stream.", 20, 1, 1000);
        var grace = CliOptions.Ranged("--grace", "Seconds a call its caller cancelled may take to stop before its worker is killed.", 2, 0, 3600);
        var maxMessageBytes = CliOptions.Ranged("--max-message-bytes", "The largest call or result, in bytes, the agent's worker processes take or give (WorkerPoolOptions.MaxMessageBytes).", Frame.DefaultMaxMessageBytes, 4096, int.MaxValue);
        var noWorkerLanes = new Option<bool>("--no-worker-lanes")
        {
            Description = "Every call passes through the agent. By default its workers answer lone short calls themselves, each holding a connection to the server with the agent's credentials.",
        };
        var command = new Command("agent", "Run calls for cluster pools: pull them from a NATS JetStream server and run them in local worker processes.");
        connection.AddTo(command);
        foreach (Option option in new Option[] { allowAnonymous, workers, name, cache, ackWait, maxDeliver, grace, maxMessageBytes, noWorkerLanes })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, _) =>
        {
            ClusterOptions cluster = connection.ToClusterOptions(parse);
            connection.ForgetSecretVariables();
            return RunAsync(new AgentOptions
            {
                Server = cluster.Server!,
                Name = parse.GetValue(name) ?? AgentOptions.DefaultName(),
                ClusterName = cluster.ClusterName,
                Workers = parse.GetValue(workers),
                Credentials = cluster.Credentials(),
                ConnectTimeout = cluster.ConnectTimeout,
                AllowAnonymous = parse.GetValue(allowAnonymous),
                CacheDirectory = parse.GetValue(cache)!,
                AckWait = TimeSpan.FromSeconds(parse.GetValue(ackWait)),
                CancellationGracePeriod = TimeSpan.FromSeconds(parse.GetValue(grace)),
                MaxDeliver = parse.GetValue(maxDeliver),
                MaxMessageBytes = parse.GetValue(maxMessageBytes),
                WorkerLanes = !parse.GetValue(noWorkerLanes),
                Log = TextWriter.Synchronized(Console.Out),
            });
        });
        return command;
    }

    private static async Task<int> RunAsync(AgentOptions options)
    {
        // The agent handles SIGTERM and Ctrl+C itself (Program leaves them to it): the first drains, however long the
        // calls it holds take; nothing ends it half-way but a second signal's default or SIGKILL.
        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Drain);
        using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Drain);
        void Drain(PosixSignalContext context)
        {
            context.Cancel = true;
            SignalCancel.Cancel(stop);
        }

        try
        {
            // Bad input, told apart from a server that is away or refuses: no credentials for a remote server, a
            // --cache the agent cannot write (StartAsync checks both again).
            options.CheckedCredentials();
            BuildCache.CheckDirectory(options.CacheDirectory);
        }
        catch (SpindleException e)
        {
            Console.Error.WriteLine($"spindle agent: {e.Message}");
            return ExitCodes.Usage;
        }

        ClusterAgent agent;
        try
        {
            agent = await ClusterAgent.StartAsync(options, stop.Token);
        }
        catch (SpindleException e)
        {
            Console.Error.WriteLine($"spindle agent: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped before it served: it took no call, but it did not do what it was started for either.
            Console.Error.WriteLine("spindle agent: stopped while starting; it served no call.");
            return ExitCodes.Interrupted;
        }

        await using (agent)
        {
            await agent.RunAsync(stop.Token);
        }

        return 0;
    }

    private static string DefaultCache()
    {
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "spindle", "builds");
    }
}
