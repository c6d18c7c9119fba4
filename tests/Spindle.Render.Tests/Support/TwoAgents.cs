using Spindle.Cluster.Tests.Support;

namespace Spindle.Render.Tests.Support;

/// <summary>
/// A real cluster for a test class: a nats-server (loopback, temporary store) and two real <c>spindle agent</c>
/// processes with one worker each, in a cluster of their own. Everything is killed at the end.
/// </summary>
public sealed class TwoAgents : IAsyncLifetime
{
    /// <summary>The collection of test classes that share one such cluster (they run one after the other).</summary>
    public const string Collection = "two agents";

    public NatsServer Server { get; } = new();

    public string Cluster { get; } = "r" + Guid.NewGuid().ToString("N")[..12];

    public AgentProcess A { get; private set; } = null!;

    public AgentProcess B { get; private set; } = null!;

    public IReadOnlyList<string> Names => [A.Name, B.Name];

    public async Task InitializeAsync()
    {
        await Server.InitializeAsync();
        A = await AgentProcess.StartAsync(Server, "render-a", Cluster, workers: 1);
        B = await AgentProcess.StartAsync(Server, "render-b", Cluster, workers: 1);
    }

    public async Task DisposeAsync()
    {
        if (A is not null)
        {
            await A.DisposeAsync();
        }

        if (B is not null)
        {
            await B.DisposeAsync();
        }

        await Server.DisposeAsync();
    }

    /// <summary>Cluster pool options; frames in flight as the CLI chooses by default (twice the agents' workers).</summary>
    public WorkerPoolOptions PoolOptions(int framesInFlight = 4) =>
        new WorkerPoolOptions { Workers = framesInFlight, Name = "render-cluster-tests", DrainTimeout = Bounded.Prompt }.UseCluster(new ClusterOptions
        {
            Server = Server.Url,
            User = Server.User,
            Password = Server.Password,
            ClusterName = Cluster,
        });

    /// <summary>The options <c>spindle render</c> takes to reach this cluster.</summary>
    public string[] RenderOptions() => ["--cluster", Server.Url, "--cluster-name", Cluster, "--user", Server.User, "--password", Server.Password];
}

/// <summary>Test classes in this collection share one <see cref="TwoAgents"/>.</summary>
[CollectionDefinition(TwoAgents.Collection)]
public sealed class TwoAgentsCollection : ICollectionFixture<TwoAgents>;
