using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Tests.Support;

/// <summary>What every cluster test needs: a cluster name of its own on the shared server, and pool options pointing at it.</summary>
public abstract class ClusterTest(NatsServer server) : IClassFixture<NatsServer>
{
    protected NatsServer Server { get; } = server;

    /// <summary>A cluster of this test's own: streams, buckets and agents apart from every other test's.</summary>
    protected string Cluster { get; } = "t" + Guid.NewGuid().ToString("N")[..12];

    protected ClusterOptions ClusterOptions(TimeSpan? silence = null) => new()
    {
        Server = Server.Url,
        User = Server.User,
        Password = Server.Password,
        ClusterName = Cluster,
        AgentSilenceTimeout = silence ?? TimeSpan.FromSeconds(10),
    };

    /// <summary>Pool options for this cluster; a drain is bounded, so a failing test's pool never holds it up.</summary>
    protected WorkerPoolOptions PoolOptions(int workers = 4, TimeSpan? silence = null) =>
        new WorkerPoolOptions { Workers = workers, DrainTimeout = Bounded.Prompt }.UseCluster(ClusterOptions(silence));

    /// <summary>Pool options for this cluster through <paramref name="relay"/>, so the test can cut this pool off from the server alone.</summary>
    protected WorkerPoolOptions PoolOptionsThrough(TcpRelay relay, int workers = 4)
    {
        ClusterOptions cluster = ClusterOptions();
        cluster.Server = relay.Url;
        return new WorkerPoolOptions { Workers = workers, DrainTimeout = Bounded.Prompt }.UseCluster(cluster);
    }

    protected Task<AgentProcess> StartAgentAsync(string name, int workers = 1, params string[] extra) =>
        AgentProcess.StartAsync(Server, name, Cluster, workers, extra);

    /// <summary>A connection of the test's own to the server, to look at (or change) what the cluster keeps there.</summary>
    protected async Task<NatsConnection> AdminAsync()
    {
        var nats = new NatsConnection(NatsOpts.Default with
        {
            Url = Server.Url,
            AuthOpts = NatsAuthOpts.Default with { Username = Server.User, Password = Server.Password },
        });
        await nats.ConnectAsync();
        return nats;
    }

    /// <summary>Waits until the cluster's calls stream holds <paramref name="messages"/> messages, failing after <see cref="Bounded.Unexpected"/>.</summary>
    private protected static async Task StreamHoldsAsync(NatsJSContext js, ClusterNames names, long messages, string what)
    {
        var clock = Stopwatch.StartNew();
        while ((await js.GetStreamAsync(names.Stream)).Info.State.Messages != messages)
        {
            if (clock.Elapsed > Bounded.Unexpected)
            {
                throw new TimeoutException($"Timed out after {Bounded.Unexpected.TotalSeconds} s waiting until {what}.");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A file a call creates when it has started, so a test knows it runs before it acts.</summary>
    protected static string Marker() => Path.Combine(Path.GetTempPath(), $"spindle-cluster-marker-{Guid.NewGuid():N}");
}
