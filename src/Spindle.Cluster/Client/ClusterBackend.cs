using Spindle.Backends;

namespace Spindle.Cluster.Client;

/// <summary>
/// The cluster as a pool's backend: creating it connects (so a wrong server or credentials fail the pool's
/// creation), and its workers are the pool's calls in flight in the cluster, each one call at a time.
/// </summary>
internal sealed class ClusterBackend : IWorkerBackend, IAsyncDisposable
{
    private readonly BackendContext _context;
    private readonly ClusterClient _client;

    public ClusterBackend(BackendContext context, ClusterOptions options)
    {
        // UseCluster sets Process; Thread set after it would otherwise be ignored without a word: calls run in worker
        // processes on the agents, whatever the options say.
        if (context.Options.Isolation != Isolation.Process)
        {
            throw new ArgumentException(
                $"WorkerPoolOptions.Isolation is {context.Options.Isolation}, but the pool runs on a cluster (UseCluster), whose agents run calls in worker processes. " +
                "Leave Isolation at Process with a cluster, or do not call UseCluster to run calls on threads in this process.",
                "options");
        }

        // An agent rebuilds a serializer from its type alone; a factory's method would have to travel with the build.
        if (context.Options.SerializerFactory is not null)
        {
            throw new ArgumentException(
                "WorkerPoolOptions.SerializerFactory is not supported with a cluster yet: agents create the serializer from its type. " +
                "Set WorkerPoolOptions.Serializer to a serializer type with a public parameterless constructor (derive one that passes your options).",
                "options");
        }

        _context = context;
        _client = ClusterClient.Connect(options, context.Options, context.Logger);
    }

    /// <summary>The pool's connection to the cluster.</summary>
    public ClusterClient Client => _client;

    /// <summary>Never: calls go to other machines, encoded at the call site.</summary>
    public bool SharesMemory => false;

    public Task<PoolWorker> StartWorkerAsync(int index, CancellationToken cancellationToken) =>
        Task.FromResult<PoolWorker>(new ClusterWorker(_context.Reports, _client, _context.Codec, index));

    public ValueTask DisposeAsync() => _client.DisposeAsync();
}
