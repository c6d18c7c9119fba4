namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// What every measurement runs against: the bench's nats-server and its agents, each cluster name with its own
/// agents so a measurement knows exactly which agents take its calls.
/// </summary>
internal sealed class BenchCluster(NatsServerProcess server, ClusterSettings settings, PythonPeers peers)
{
    public const string RoundTripCluster = "benchrt";
    public const string ThroughputCluster = "benchtp";

    public NatsServerProcess Server { get; } = server;

    public ClusterSettings Settings { get; } = settings;

    public PythonPeers Peers { get; } = peers;

    /// <summary>Celery's broker, when there is one, or why not.</summary>
    public RedisServer? Redis { get; set; }

    public string? RedisProblem { get; set; }

    public ClusterOptions Options(string cluster) => new() { Server = Server.Url, ClusterName = cluster };
}
