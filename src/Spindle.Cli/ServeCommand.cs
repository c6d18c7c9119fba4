using System.CommandLine;
using System.Runtime.InteropServices;
using Spindle.Serve;

namespace Spindle.Cli;

/// <summary>
/// <c>spindle serve</c>: the render farm behind a web server with a live dashboard. Binds to 127.0.0.1 unless told
/// otherwise; <c>--port 0</c> picks a free port and prints the address.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var defaults = new ServeOptions();
        // Ranged: a value that is not a number is reported by the parser, not thrown from a validator.
        var port = CliOptions.Ranged("--port", "TCP port to listen on; 0 picks a free one.", ServeOptions.DefaultPort, 0, 65535);
        var host = new Option<string>("--host") { Description = "Address to listen on. Anything but 127.0.0.1 lets other machines in: ask for it explicitly (e.g. 0.0.0.0).", DefaultValueFactory = _ => defaults.Host };
        host.Validators.Add(r =>
        {
            try
            {
                _ = new ServeOptions { Host = r.GetValueOrDefault<string>() ?? "" };
            }
            catch (ArgumentException)
            {
                r.AddError($"--host '{r.GetValueOrDefault<string>()}' is not an IP address or 'localhost' (for example 127.0.0.1, or 0.0.0.0 for every interface).");
            }
        });
        var workers = CliOptions.Ranged("--workers", "Worker processes rendering frames.", defaults.Workers, 1, ServeOptions.MaxWorkers);
        var maxQueuedJobs = CliOptions.Ranged("--max-queued-jobs", "Jobs that may wait for the farm; more are refused with 503.", defaults.MaxQueuedJobs, 1, 1_000_000);
        var allowedHost = new Option<string[]>("--allowed-host")
        {
            Description = "Also serve requests addressed to this host name (repeatable), e.g. the machine's name with --host 0.0.0.0. Other names are refused (400), so a web page whose name points at this machine (DNS rebinding) cannot use the server.",
            HelpName = "NAME",
            Arity = ArgumentArity.OneOrMore,
        };
        allowedHost.Validators.Add(r =>
        {
            foreach (string name in r.GetValueOrDefault<string[]>() ?? [])
            {
                try
                {
                    _ = new ServeOptions { AllowedHosts = [name] };
                }
                catch (ArgumentException)
                {
                    r.AddError($"--allowed-host '{name}' is not a host name or an IP address: give a name such as myhost.lan or an address such as 192.168.1.20, without scheme, port or wildcard.");
                }
            }
        });
        var command = new Command("serve", "Serve the render farm over HTTP: a live dashboard, an HTML form and a JSON API.") { port, host, workers, maxQueuedJobs, allowedHost };
        // The cluster options every cluster command has (sign-in, TLS), the server under the name --cluster.
        var cluster = ClusterCommandOptions.Create(serverRequired: false, serverOption: "--cluster", clusterNameOption: "--cluster-name");
        cluster.Server.Description = "Render on this cluster's agents (a NATS server with JetStream, e.g. nats://host:4222) and keep jobs there, so a restart loses none.";
        cluster.AddTo(command);
        command.Validators.Add(r =>
        {
            // The cluster's other options mean nothing without it: say so rather than serve locally as if unsaid.
            if (r.GetValue(cluster.Server) is null && cluster.NeedingServer.FirstOrDefault(o => r.GetResult(o) is { Implicit: false }) is { } given)
            {
                r.AddError($"{given.Name} needs --cluster (the cluster's NATS server).");
            }
        });
        command.SetAction((parse, cancellationToken) => RunAsync(
            new ServeOptions
            {
                Port = parse.GetValue(port),
                Host = parse.GetValue(host)!,
                Workers = parse.GetValue(workers),
                MaxQueuedJobs = parse.GetValue(maxQueuedJobs),
                AllowedHosts = parse.GetValue(allowedHost) ?? [],
                Cluster = cluster.HasServer(parse) ? cluster.ToClusterOptions(parse) : null,
            },
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ServeOptions options, CancellationToken cancellationToken)
    {
        SpindleServer server;
        try
        {
            if (options.Cluster is { } cluster)
            {
                // Asked first, with the invocation's token: Ctrl+C while the server is out of reach ends the wait at
                // once, and a cluster no agent serves (a mistyped --cluster-name) is said at the start, not discovered
                // from a job that never moves.
                IReadOnlyList<ClusterAgentInfo> agents = await Cluster.ClusterFarm.ListAgentsAsync(cluster, cancellationToken, "spindle serve");
                if (agents.Count == 0)
                {
                    Console.Error.WriteLine($"spindle serve: warning: no spindle agent serves cluster '{cluster.ClusterName}' at {Spindle.Cluster.Nats.ServerAddress.Redacted(cluster.Server)} (--cluster, --cluster-name) yet; " +
                        $"jobs wait until one starts: `spindle agent --server {Spindle.Cluster.Nats.ServerAddress.Redacted(cluster.Server)} --cluster {cluster.ClusterName}`.");
                }
            }

            server = await SpindleServer.StartAsync(options, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("spindle serve: cancelled while starting.");
            return ExitCodes.Interrupted;
        }
        catch (SpindleException e) when (e is PortInUseException or HostNotAvailableException)
        {
            // Bad input: the message names the option to change.
            Console.Error.WriteLine($"spindle serve: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (SpindleException e) when (options.Cluster is not null)
        {
            // The cluster's server is away or refused the sign-in: the message names the server and the option.
            Console.Error.WriteLine($"spindle serve: {e.Message}");
            return ExitCodes.Failed;
        }

        await using (server)
        {
            string farm = options.Cluster is { } c
                ? $"{options.Workers} frame{(options.Workers == 1 ? "" : "s")} at once on the agents of cluster '{c.ClusterName}' at {Spindle.Cluster.Nats.ServerAddress.Redacted(c.Server)}"
                : $"{options.Workers} worker process{(options.Workers == 1 ? "" : "es")}";
            Console.WriteLine($"spindle serve: listening on {server.Address} ({farm}, pid {Environment.ProcessId})");
            Console.WriteLine($"  jobs       {server.JobStorage}");
            if (!System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(server.Address.Host.Trim('[', ']'))))
            {
                Console.WriteLine($"  warning: --host {options.Host} lets other machines in: anyone who can reach this port can start renders and kill workers.");
            }

            Console.WriteLine($"  dashboard  {server.Address}");
            Console.WriteLine($"  pool       {new Uri(server.Address, "/pools/")}");
            Console.WriteLine($"  JSON API   {new Uri(server.Address, "/api/status")}, {new Uri(server.Address, "/pools/api/status")}");
            Console.WriteLine("Press Ctrl+C to stop.");
            // Ctrl+C and SIGTERM stop the server gracefully: event streams end, the running job is cancelled, workers exit.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                SignalCancel.Cancel(stop);
            }

            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using PosixSignalRegistration terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                Console.WriteLine("spindle serve: stopping…");
            }
        }

        return 0;
    }
}
