using NATS.Client.Core;

namespace Spindle.Cluster.Lanes;

/// <summary>The call a lane runs: where its caller waits, and what the timer thread and a stop need to know of it.</summary>
internal sealed class LaneCall(NatsMsg<byte[]> offer, string key, string inbox, long callId, int attempt, TimeSpan aliveEvery)
{
    public NatsMsg<byte[]> Offer { get; } = offer;

    public string Key { get; } = key;

    public string Inbox { get; } = inbox;

    public long CallId { get; } = callId;

    public int Attempt { get; } = attempt;

    public TimeSpan AliveEvery { get; } = aliveEvery;

    public CancellationTokenSource Cancellation { get; } = new();

    /// <summary>Cancelled when the call has ended: its signs of life stop.</summary>
    public CancellationTokenSource Done { get; } = new();

    /// <summary>Set under the call's lock, by the lane's thread once the call has run.</summary>
    public bool Ended { get; set; }

    /// <summary>Set under the call's lock, by the timer thread once the caller is told "taken".</summary>
    public bool Taken { get; set; }

    private volatile bool _stopped;

    /// <summary>Set by a stop (the orders' thread): its caller has ended it, nobody waits for its answer.</summary>
    public bool Stopped
    {
        get => _stopped;
        set => _stopped = value;
    }

    public Task? TakenSent { get; set; }

    public Task? KeepAlive { get; set; }

    public void Cancel()
    {
        try
        {
            Cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended as the stop arrived.
        }
    }

    public async Task EndAsync()
    {
        await Done.CancelAsync().ConfigureAwait(false);
        if (KeepAlive is { } keepAlive)
        {
            await keepAlive.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Done.Dispose();
        Cancellation.Dispose();
    }
}
