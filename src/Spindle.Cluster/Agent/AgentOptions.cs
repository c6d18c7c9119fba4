using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>What <c>spindle agent</c> runs with (its command-line options, checked there).</summary>
internal sealed record AgentOptions
{
    public required string Server { get; init; }

    public required string Name { get; init; }

    public string ClusterName { get; init; } = "default";

    public int Workers { get; init; } = Environment.ProcessorCount;

    /// <summary>How the agent signs in and checks the server; errors name the command's options.</summary>
    public ClusterCredentials Credentials { get; init; } = new() { Names = ClusterOptionNames.CommandLine };

    /// <summary>
    /// Lets the agent connect with no credentials to a server that is not on this machine. Off by default: whoever can
    /// reach an open server could run code on the agent (see <see cref="CheckedCredentials"/>).
    /// </summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Where fetched builds are unpacked, one directory per build hash.</summary>
    public required string CacheDirectory { get; init; }

    /// <summary>How long a delivered call may go unacknowledged before JetStream gives it to another agent (in-progress acks extend it while it runs).</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times JetStream delivers one message before giving up on it (deliveries nobody claimed or acknowledged).</summary>
    public int MaxDeliver { get; init; } = 20;

    /// <summary>How often the agent refreshes its entry in the registry; the entry expires after three of these without one.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the agent waits for a pool to confirm a call before dropping it.</summary>
    public TimeSpan ClaimTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a cancelled call's worker may take to stop before it is killed.</summary>
    public TimeSpan CancellationGracePeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest call frame or result its local workers exchange (<see cref="WorkerPoolOptions.MaxMessageBytes"/> of its pools).</summary>
    public int MaxMessageBytes { get; init; } = Wire.Frame.DefaultMaxMessageBytes;

    /// <summary>Where the agent writes what it does, a line per event.</summary>
    public TextWriter Log { get; init; } = TextWriter.Null;

    /// <summary>
    /// Whether the agent's workers take lone calls themselves, on NATS (Lanes/NatsLane.cs), so that such a call's round
    /// trip does not pass through the agent; each worker then holds a connection to the server, with the agent's credentials.
    /// </summary>
    public bool WorkerLanes { get; init; } = true;

    /// <summary>
    /// The credentials to connect with, checked; an agent runs whatever code the calls it pulls carry, so it refuses to
    /// start without credentials unless the server is on this machine (a loopback address or <c>localhost</c>, written
    /// as such: no name is looked up) or <see cref="AllowAnonymous"/> says the open server is meant.
    /// </summary>
    public ClusterCredentials CheckedCredentials()
    {
        ClusterOptionNames names = Credentials.Names;
        try
        {
            // Credentials in the address are refused, not taken as none: the command line does so already.
            ClusterOptions.CheckServer(Server, names.Server, names);
        }
        catch (ArgumentException e)
        {
            throw new SpindleException(e.Message.Split(" (Parameter", 2)[0], e);
        }

        if (Credentials.IsAnonymous && !AllowAnonymous && !ClusterCredentials.IsLoopback(Server))
        {
            throw new SpindleException(
                $"No credentials for the NATS server '{ServerAddress.Redacted(Server)}' ({names.Server}): an agent runs the code of every call it takes, so it does not " +
                $"connect anonymously to another machine. Give {names.SecretsKeptApart}, {names.CredentialsFile}, " +
                $"{names.NKeySeedFile}, or a client certificate ({names.TlsCertificateFile} with {names.TlsKeyFile}); or {names.AllowAnonymous} " +
                "if the server itself lets only trusted clients in.");
        }

        try
        {
            Credentials.Check();
        }
        catch (ArgumentException e)
        {
            throw new SpindleException(e.Message.Split(" (Parameter", 2)[0], e);
        }

        return Credentials;
    }

    /// <summary>
    /// <c>spindle agent</c>'s name when none is given: the host name and process id, fitted to a name's 64 characters
    /// (a Kubernetes pod's host name alone may take 63). A process 1 is a container's first process, and containers
    /// sharing a host name would all be "host-1": a random suffix keeps them apart (and an agent refuses a name another
    /// one serves under, AgentControl.CheckNameFreeAsync).
    /// </summary>
    public static string DefaultName() => DefaultName(Environment.MachineName, Environment.ProcessId);

    internal static string DefaultName(string hostName, int processId)
    {
        string host = new(hostName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        string suffix = processId == 1
            ? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4))
            : processId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        int room = MaxNameLength - suffix.Length - 1;
        return $"{(host.Length > room ? host[..room] : host)}-{suffix}";
    }

    private const int MaxNameLength = 64;
}
