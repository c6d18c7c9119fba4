using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Spindle.Cli.Cluster;

/// <summary>
/// The demo's broker: nats-server with JetStream on a loopback port, its store in a temporary directory, a token of
/// its own in a configuration file only this user may read. Found on the PATH, in /usr/sbin (Debian's package, which <c>scripts/ensure-nats</c> installs), or where
/// <see cref="ExecutableVariable"/> says.
/// </summary>
internal static class LocalNatsServer
{
    /// <summary>Names the nats-server program to run, instead of looking for it.</summary>
    public const string ExecutableVariable = "SPINDLE_NATS_SERVER";

    private static readonly TimeSpan ListenTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The nats-server program, or null with why it was not found.</summary>
    public static string? Find(out string problem)
    {
        if (Environment.GetEnvironmentVariable(ExecutableVariable) is { Length: > 0 } named)
        {
            problem = $"{ExecutableVariable} names '{named}', which does not exist: point it at nats-server, or unset it and run scripts/ensure-nats (it installs Debian's nats-server).";
            return File.Exists(named) ? named : null;
        }

        problem = "nats-server is not installed (not on the PATH nor in /usr/sbin): run scripts/ensure-nats (it installs Debian's nats-server), or set " + ExecutableVariable + ".";
        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin")
            .Select(directory => Path.Combine(directory, "nats-server"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>A loopback port nobody listens on now (the server binds it a moment later).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether <paramref name="port"/> can be listened on at 127.0.0.1 now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Starts the server and waits (bounded) until it greets a client; fails with what it printed. Its token goes in a
    /// configuration file written to <paramref name="directory"/> (0600), not on its command line (<c>--auth</c>), which
    /// every user of the machine can read: with the token anyone could send calls that run code as this user.
    /// </summary>
    public static async Task<ChildProgram> StartAsync(string executable, int port, string directory, string storeDirectory, string token, CancellationToken cancellationToken)
    {
        string configuration = PrivateFile.Write(Path.Combine(directory, "nats-server.conf"), $"authorization {{\n  token: \"{token}\"\n}}\n");
        string[] arguments = ["-js", "-a", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-sd", storeDirectory, "-c", configuration];
        // Its own session: a Ctrl+C on the terminal reaches the demo and its agents, which drain through this server
        // before the demo stops it; a server gone first would leave them nothing to drain through.
        ChildProgram server = ChildProgram.Start("nats-server", executable, arguments, _ => { }, ownSession: true);
        try
        {
            await WaitUntilListeningAsync(server, port, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static async Task WaitUntilListeningAsync(ChildProgram server, int port, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (server.Exited.IsCompleted)
            {
                throw new SpindleException($"nats-server exited while starting on port {port}:{Environment.NewLine}{server.Tail}");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                var greeting = new byte[4];
                using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                read.CancelAfter(TimeSpan.FromSeconds(2));
                if (await client.GetStream().ReadAtLeastAsync(greeting, 4, throwOnEndOfStream: false, read.Token) == 4 && Encoding.ASCII.GetString(greeting) == "INFO")
                {
                    return;
                }
            }
            catch (Exception e) when (e is SocketException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet.
            }

            if (clock.Elapsed > ListenTimeout)
            {
                throw new SpindleException($"nats-server did not listen on 127.0.0.1:{port} within {ListenTimeout.TotalSeconds:0} s:{Environment.NewLine}{server.Tail}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }
}
