using System.Net;
using System.Net.Sockets;
using Spindle.AspNetCore.Access;

namespace Spindle.Serve;

/// <summary>How <see cref="SpindleServer"/> listens and how big its render farm is.</summary>
public sealed class ServeOptions
{
    /// <summary>The port <c>spindle serve</c> uses when none is given.</summary>
    public const int DefaultPort = 5080;

    private string _host = "127.0.0.1";
    private int _port = DefaultPort;
    private int _workers = DefaultWorkers;
    private int _maxQueuedJobs = 256;
    private int _keepFinishedJobs = 100;
    private IReadOnlyList<string> _allowedHosts = [];

    /// <summary>The address to listen on: an IP address or <c>localhost</c>.</summary>
    /// <value>The default is <c>127.0.0.1</c>: only this machine can connect. Anything else must be asked for.</value>
    public string Host
    {
        get => _host;
        set => _host = ParseHost(value) is not null ? value : throw new ArgumentException(
            $"Host '{value}' is not an IP address or 'localhost' (for example 127.0.0.1, or 0.0.0.0 to listen on every interface).", nameof(Host));
    }

    /// <summary>The TCP port; 0 picks a free one (read it back from <see cref="SpindleServer.Address"/>).</summary>
    /// <value>The default is <see cref="DefaultPort"/>.</value>
    public int Port
    {
        get => _port;
        set => _port = value is >= 0 and <= IPEndPoint.MaxPort ? value : throw new ArgumentOutOfRangeException(nameof(Port), value, "Port must be between 0 and 65535 (0 picks a free port).");
    }

    /// <summary>Worker processes of the render farm.</summary>
    /// <value>The default is <see cref="Environment.ProcessorCount"/>, at most <see cref="MaxWorkers"/>.</value>
    public int Workers
    {
        get => _workers;
        set => _workers = value is >= 1 and <= MaxWorkers ? value : throw new ArgumentOutOfRangeException(nameof(Workers), value, $"Workers must be between 1 and {MaxWorkers}.");
    }

    /// <summary>The most worker processes a server may have.</summary>
    public const int MaxWorkers = 256;

    /// <summary>The default <see cref="Workers"/>: one per core, up to <see cref="MaxWorkers"/> (a bigger machine must not fail its own default).</summary>
    public static int DefaultWorkers => Math.Min(Environment.ProcessorCount, MaxWorkers);

    /// <summary>Jobs that may wait for the farm; one more is refused with 503 until the queue drains.</summary>
    /// <value>The default is 256.</value>
    public int MaxQueuedJobs
    {
        get => _maxQueuedJobs;
        set => _maxQueuedJobs = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxQueuedJobs), value, "MaxQueuedJobs must be at least 1.");
    }

    /// <summary>Finished jobs kept (with their video) before the oldest are forgotten.</summary>
    /// <value>The default is 100.</value>
    public int KeepFinishedJobs
    {
        get => _keepFinishedJobs;
        set => _keepFinishedJobs = value >= 1 ? value : throw new ArgumentOutOfRangeException(nameof(KeepFinishedJobs), value, "KeepFinishedJobs must be at least 1.");
    }

    /// <summary>
    /// Host names served besides the ones this server listens as (<c>localhost</c>, <c>127.0.0.1</c>, <c>[::1]</c> and
    /// <see cref="Host"/>): for example the machine's name when <see cref="Host"/> is <c>0.0.0.0</c>.
    /// </summary>
    /// <value>
    /// The default is none. Requests whose <c>Host</c> names anything else are refused with 400, so a web page whose
    /// own name was made to point at this machine (DNS rebinding) cannot use the server. Each entry is a DNS name or
    /// an IP address, without scheme, port or wildcard.
    /// </value>
    public IReadOnlyList<string> AllowedHosts
    {
        get => _allowedHosts;
        set => _allowedHosts = HostNames.CheckAllowed(value, nameof(AllowedHosts));
    }

    /// <summary>
    /// The cluster whose agents render the frames (<c>spindle serve --cluster</c>); the server then keeps its jobs and
    /// finished animations in that cluster's JetStream, so a restart loses none and resumes the unfinished ones.
    /// </summary>
    /// <value>
    /// The default is null: frames render in <see cref="Workers"/> local worker processes and jobs are kept in memory,
    /// lost on restart (the dashboard says so). With a cluster, <see cref="Workers"/> is how many frames are in flight
    /// in the cluster at once.
    /// </value>
    public ClusterOptions? Cluster { get; set; }

    internal IPAddress Address => ParseHost(_host)!;

    /// <summary>
    /// An IPv4 address in its four dotted parts, an IPv6 address, or <c>localhost</c>. IPAddress.TryParse alone also
    /// takes the old shorthand forms ("0" for 0.0.0.0, "1" for 0.0.0.1, "127.1"), which would open a server to every
    /// interface on a typo.
    /// </summary>
    private static IPAddress? ParseHost(string? host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host, out IPAddress? address) && (address.AddressFamily == AddressFamily.InterNetworkV6 || host.Count(c => c == '.') == 3) ? address
        : null;
}
