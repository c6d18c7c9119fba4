using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Spindle.Cluster.Tests.Support;

/// <summary>
/// A real nats-server with JetStream started from a configuration file (TLS, nkeys, users with permissions): on
/// loopback and a free port given on its command line, which take precedence over the file's, with its store in a
/// temporary directory. Started with a bounded wait for it to listen (its INFO comes before any TLS handshake); killed, with its
/// store deleted, when disposed, also when the start fails.
/// </summary>
public sealed class ConfiguredNatsServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly string _directory;

    private ConfiguredNatsServer(string configFile, string directory, bool ownStore, IReadOnlyDictionary<string, string> environment)
    {
        _directory = directory;
        Port = NatsServer.FreePort();
        var start = new ProcessStartInfo(NatsServer.FindServer())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments = ["-c", configFile, "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        if (!ownStore)
        {
            arguments = [.. arguments, "-js", "-sd", StoreDirectory];
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start nats-server.");
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }

    /// <summary>A temporary directory for JetStream's files, deleted with the server.</summary>
    public string StoreDirectory => Path.Combine(_directory, "store");

    /// <summary>The address as nats://127.0.0.1:port (TLS as the server requires it).</summary>
    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>The same address with tls://, which makes the client require TLS whatever the server says.</summary>
    public string TlsUrl => $"tls://127.0.0.1:{Port}";

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

    /// <summary>
    /// Starts nats-server with <paramref name="configuration"/> (written to a file); <paramref name="environment"/>
    /// feeds its $VARIABLES. A configuration without a <c>jetstream</c> block gets JetStream in <see cref="StoreDirectory"/>
    /// from the command line; one with a block keeps it (nats-server refuses a store directory given twice), and
    /// <paramref name="configuration"/> is given the store directory to name there.
    /// </summary>
    public static async Task<ConfiguredNatsServer> StartAsync(Func<string, string> configuration, IReadOnlyDictionary<string, string>? environment = null)
    {
        string directory = Directory.CreateTempSubdirectory("spindle-nats-conf-").FullName;
        string file = Path.Combine(directory, "nats-server.conf");
        string text = configuration(Path.Combine(directory, "store"));
        await File.WriteAllTextAsync(file, text);
        bool ownStore = text.Contains("jetstream", StringComparison.Ordinal);
        var server = new ConfiguredNatsServer(file, directory, ownStore, environment ?? new Dictionary<string, string>());
        try
        {
            await server.WaitUntilListeningAsync();
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(Bounded.Prompt);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Gone already, or stuck beyond a SIGKILL (nothing more to do from here).
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a dying server: the temp directory is cleaned some other day.
        }
    }

    private Task WaitUntilListeningAsync() => NatsServer.WaitUntilListeningAsync(_process, Port, () => Output);

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
}
