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
        var server = new Option<string>("--server") { Description = "The NATS server (with JetStream) to pull calls from, e.g. nats://host:4222.", Required = true, HelpName = "URL" };
        server.Validators.Add(r => Check(r, () => ClusterOptions.CheckServer(r.GetValueOrDefault<string>(), "--server")));
        var workers = CliOptions.Ranged("--workers", "Worker processes running calls.", Environment.ProcessorCount, 1, 1024);
        var name = new Option<string>("--name") { Description = "The agent's name in the cluster (letters, digits, '-', '_'); default: the host name and process id.", DefaultValueFactory = _ => DefaultName(), HelpName = "NAME" };
        name.Validators.Add(r => Check(r, () => ClusterOptions.CheckName(r.GetValueOrDefault<string>()!, "--name")));
        var cluster = new Option<string>("--cluster") { Description = "The cluster's name: its streams, subjects and buckets on the server.", DefaultValueFactory = _ => "default", HelpName = "NAME" };
        cluster.Validators.Add(r => Check(r, () => ClusterOptions.CheckName(r.GetValueOrDefault<string>()!, "--cluster")));
        var user = new Option<string>("--user") { Description = "User name to connect with (with --password).", HelpName = "USER" };
        var password = new Option<string>("--password") { Description = "Password to connect with (with --user).", HelpName = "PASSWORD" };
        var token = new Option<string>("--token") { Description = "Token to connect with.", HelpName = "TOKEN" };
        var creds = new Option<string>("--creds") { Description = "NATS credentials file (.creds) to connect with.", HelpName = "FILE" };
        var cache = new Option<string>("--cache") { Description = "Directory for the builds the agent fetches; default: ~/.cache/spindle/builds.", DefaultValueFactory = _ => DefaultCache(), HelpName = "DIR" };
        var ackWait = CliOptions.Ranged("--ack-wait", "Seconds a taken call may go unacknowledged before the server gives it to another agent (kept alive while it runs).", 30, 1, 3600);
        var maxDeliver = CliOptions.Ranged("--max-deliver", "Deliveries of a call whose caller never answers before it is removed from the stream.", 20, 1, 1000);
        var grace = CliOptions.Ranged("--grace", "Seconds a call its caller cancelled may take to stop before its worker is killed.", 2, 0, 3600);
        var maxMessageBytes = CliOptions.Ranged("--max-message-bytes", "The largest call or result, in bytes, the agent's worker processes take or give (WorkerPoolOptions.MaxMessageBytes).", Frame.DefaultMaxMessageBytes, 4096, int.MaxValue);
        var command = new Command("agent", "Run calls for cluster pools: pull them from a NATS JetStream server and run them in local worker processes.")
        {
            server, workers, name, cluster, user, password, token, creds, cache, ackWait, maxDeliver, grace, maxMessageBytes,
        };
        command.Validators.Add(r =>
        {
            bool hasUser = r.GetValue(user) is not null, hasPassword = r.GetValue(password) is not null;
            int ways = (hasUser ? 1 : 0) + (r.GetValue(token) is not null ? 1 : 0) + (r.GetValue(creds) is not null ? 1 : 0);
            if (hasUser != hasPassword)
            {
                r.AddError("--user and --password go together.");
            }
            else if (ways > 1)
            {
                r.AddError("Give only one of --user/--password, --token and --creds.");
            }
            else if (r.GetValue(creds) is { } file && !File.Exists(file))
            {
                r.AddError($"--creds '{file}' does not exist.");
            }
        });
        command.SetAction((parse, _) => RunAsync(new AgentOptions
        {
            Server = parse.GetValue(server)!,
            Name = parse.GetValue(name)!,
            ClusterName = parse.GetValue(cluster)!,
            Workers = parse.GetValue(workers),
            User = parse.GetValue(user),
            Password = parse.GetValue(password),
            Token = parse.GetValue(token),
            CredentialsFile = parse.GetValue(creds),
            CacheDirectory = parse.GetValue(cache)!,
            AckWait = TimeSpan.FromSeconds(parse.GetValue(ackWait)),
            CancellationGracePeriod = TimeSpan.FromSeconds(parse.GetValue(grace)),
            MaxDeliver = parse.GetValue(maxDeliver),
            MaxMessageBytes = parse.GetValue(maxMessageBytes),
            Log = TextWriter.Synchronized(Console.Out),
        }));
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
            stop.Cancel();
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
            return 0;
        }

        await using (agent)
        {
            await agent.RunAsync(stop.Token);
        }

        return 0;
    }

    private static void Check(System.CommandLine.Parsing.OptionResult result, Action check)
    {
        try
        {
            check();
        }
        catch (ArgumentException e)
        {
            result.AddError(e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static string DefaultName()
    {
        string host = new(Environment.MachineName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        return $"{host}-{Environment.ProcessId}";
    }

    private static string DefaultCache()
    {
        string root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "spindle", "builds");
    }
}
