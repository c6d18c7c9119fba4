using Spindle.Cluster.Client;

namespace Spindle;

/// <summary>Chooses the cluster backend for a pool.</summary>
public static class ClusterPoolOptions
{
    /// <summary>
    /// Runs the pool's calls on <c>spindle agent</c>s through the NATS server in <paramref name="cluster"/>, with the
    /// same encoding, boundary checks, call options, timeouts, cancellation and retries as worker processes. With a
    /// cluster, <see cref="WorkerPoolOptions.Workers"/> is how many calls the pool keeps running in the cluster at once.
    /// It sets <see cref="WorkerPoolOptions.Isolation"/> to <see cref="Isolation.Process"/>; setting it to
    /// <see cref="Isolation.Thread"/> afterwards makes creating the pool fail with <see cref="ArgumentException"/>.
    /// Creating the pool connects, and fails there, naming the server and the option, if it cannot.
    /// </summary>
    public static WorkerPoolOptions UseCluster(this WorkerPoolOptions options, ClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cluster);
        cluster.Validate();
        ClusterOptions own = cluster.Clone();
        options.Isolation = Isolation.Process;

        // Shared memory does not reach other machines: every value travels in the call's message.
        options.SharedMemoryThreshold = null;
        options.Backend = context => new ClusterBackend(context, own);
        return options;
    }
}
