namespace Spindle.AspNetCore.Status;

/// <summary>
/// The agents of a cluster pool, as its cluster's registry last listed them. The registry is a key-value bucket on the
/// NATS server, so it is read in the background, one read at a time, and the dashboard shows the latest list.
/// </summary>
internal sealed class AgentWatch(WorkerPool pool)
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(5);

    private IReadOnlyList<ClusterAgentInfo> _latest = [];
    private string? _error;
    private int _reading;

    /// <summary>The agents of the last read that succeeded, by name.</summary>
    public IReadOnlyList<ClusterAgentInfo> Latest => Volatile.Read(ref _latest);

    /// <summary>Why the last read failed (the server is away, …); null when it succeeded.</summary>
    public string? Error => Volatile.Read(ref _error);

    /// <summary>Starts a read unless one is under way.</summary>
    public void Refresh()
    {
        if (Interlocked.Exchange(ref _reading, 1) == 0)
        {
            _ = ReadAsync();
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            using var bounded = new CancellationTokenSource(ReadTimeout);
            IReadOnlyList<ClusterAgentInfo> agents = await pool.GetAgentsAsync(bounded.Token).ConfigureAwait(false);
            Volatile.Write(ref _latest, [.. agents.OrderBy(a => a.Name, StringComparer.Ordinal)]);
            Volatile.Write(ref _error, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The page says the list is stale and why; the next sample tries again.
            Volatile.Write(ref _error, $"the cluster's registry could not be read: {e.Message}");
        }
        finally
        {
            Volatile.Write(ref _reading, 0);
        }
    }
}
