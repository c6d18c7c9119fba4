namespace Spindle.Cluster.Client;

/// <summary>
/// How many of a client's calls are in flight with no agent yet: they wait in the stream (or are about to be sent).
/// Calls that would wait anyway may wait together, in a bundle (ClusterClient.Bundling.cs); a lone call never does.
/// </summary>
internal sealed class WaitingCalls
{
    private long _count;

    public long Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);

    public void Remove() => Interlocked.Decrement(ref _count);
}
