using Spindle.Pools;

namespace Spindle.Cluster.Agent;

/// <summary>
/// A call an agent runs, as its caller's stops and the agent's keep-alive loop see it: a token to cancel, the local
/// call to kill, and when its caller and JetStream last heard that it runs.
/// </summary>
internal sealed class AgentCall(CallDelivery? message, string inbox, long callId, int attempt, long aliveEveryMs) : IDisposable
{
    private readonly Lock _lock = new();
    private RelayedCall? _call;
    private bool _killed;
    private bool _disposed;
    private bool _sealed;
    private CallDelivery? _message = message;
    private long _lastAlive = Environment.TickCount64;
    private long _lastProgress = Environment.TickCount64;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>
    /// The stream message it came in; for a direct call (ClusterAgent.Direct.cs), null, or the stream's copy of the same
    /// call handed to it while it ran (<see cref="TryAdopt"/>). Kept in progress while the call runs, acked once it is answered.
    /// </summary>
    public CallDelivery? Message => Volatile.Read(ref _message);

    /// <summary>
    /// Takes on <paramref name="delivery"/>, the stream's copy of this same call, which reached this agent while this
    /// copy runs: this copy answers for both (through the caller's inbox, see <see cref="Seal"/>) and then acks it.
    /// False when this copy has its own message, or has ended (sealed): the delivery is then the caller's to deal with.
    /// The caller hears of the call at the keep-alive loop's next tick, not a whole AliveEvery later.
    /// </summary>
    public bool TryAdopt(CallDelivery delivery)
    {
        lock (_lock)
        {
            if (_sealed || _disposed || _message is not null)
            {
                return false;
            }

            Volatile.Write(ref _message, delivery);
            Volatile.Write(ref _lastAlive, 0);
            return true;
        }
    }

    /// <summary>
    /// Ends adoption, once the call is out of the agent's table of running calls: returns the stream delivery this copy
    /// answers for (its own, or one handed to it), null if none. A direct call that has one must answer through the
    /// inbox, not in the offer's reply, which may have no listener left (the stream's copy exists because the offer
    /// went unanswered in time).
    /// </summary>
    public CallDelivery? Seal()
    {
        lock (_lock)
        {
            _sealed = true;
            return _message;
        }
    }

    public string Inbox => inbox;

    public long CallId => callId;

    public int Attempt => attempt;

    /// <summary>Whether the caller is due a sign of life (every AliveEvery it asked for); if so, counts it as sent.</summary>
    public bool AliveDue(long now)
    {
        if (now - Volatile.Read(ref _lastAlive) < aliveEveryMs)
        {
            return false;
        }

        Volatile.Write(ref _lastAlive, now);
        return true;
    }

    /// <summary>Whether JetStream is due an in-progress ack (every <paramref name="everyMs"/>); if so, counts it as sent.</summary>
    public bool ProgressDue(long now, long everyMs)
    {
        if (now - Volatile.Read(ref _lastProgress) < everyMs)
        {
            return false;
        }

        Volatile.Write(ref _lastProgress, now);
        return true;
    }

    /// <summary>How long the call ran on its local worker (Stopwatch ticks; 0 when unknown): not counting time queued on the agent.</summary>
    public long RanTicks
    {
        get
        {
            lock (_lock)
            {
                return _call?.RanTicks ?? 0;
            }
        }
    }

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
            if (_disposed)
            {
                // Over already (the stop crossed its answer): a disposed token must not take the control loop down.
                return;
            }

            _killed |= kill;
            call = _call;
        }

        try
        {
            await Cancellation.CancelAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // Disposed between the check and here: the call is over, nothing to stop.
            return;
        }

        if (kill && call is not null)
        {
            WorkerPool.StopNow(call);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            Cancellation.Dispose();
        }
    }
}
