using Spindle.Pools;

namespace Spindle.Cluster.Agent;

/// <summary>A call an agent runs, as its caller's stops see it: a token to cancel, and the local call to kill.</summary>
internal sealed class AgentCall : IDisposable
{
    private readonly Lock _lock = new();
    private RelayedCall? _call;
    private bool _killed;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Hands the frame to the local pool; a kill that came first applies at once.</summary>
    public Task<RelayedResult> Start(WorkerPool pool, ReadOnlySpan<byte> frame, CancellationToken cancellationToken)
    {
        RelayedCall call = pool.Relay(frame, new RelayedCallOptions(Timeout: null, RetriesOnCrash: 0), cancellationToken);
        bool killed;
        lock (_lock)
        {
            _call = call;
            killed = _killed;
        }

        if (killed)
        {
            WorkerPool.StopNow(call);
        }

        return call.TypedTask;
    }

    /// <summary>Cancels the call; with <paramref name="kill"/>, its worker is killed now rather than after the grace period.</summary>
    public async Task StopAsync(bool kill)
    {
        RelayedCall? call;
        lock (_lock)
        {
            _killed |= kill;
            call = _call;
        }

        await Cancellation.CancelAsync().ConfigureAwait(false);
        if (kill && call is not null)
        {
            WorkerPool.StopNow(call);
        }
    }

    public void Dispose() => Cancellation.Dispose();
}
