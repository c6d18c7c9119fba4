using Spindle.Pools;

namespace Spindle;

/// <summary>
/// Relaying: running a call frame another process encoded, with this pool's queue, supervision, cancellation and
/// crash reporting, and handing back the result payload undecoded (see <see cref="RelayedCall"/>). How a cluster agent
/// runs calls for pools on other machines without their code loaded in its own process.
/// </summary>
public sealed partial class WorkerPool
{
    /// <summary>Runs the call in <paramref name="frame"/> on a worker process; its task's result is the worker's result payload and pid.</summary>
    /// <exception cref="ArgumentException"><paramref name="frame"/> is larger than <see cref="WorkerPoolOptions.MaxMessageBytes"/>.</exception>
    internal RelayedCall Relay(ReadOnlySpan<byte> frame, RelayedCallOptions options, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (_callsShareMemory)
        {
            throw new InvalidOperationException("Only a pool whose workers are processes can relay encoded calls.");
        }

        if (frame.Length > _options.MaxMessageBytes)
        {
            // Checked here as RunAsync checks at its call site: a worker would refuse the frame by dying, and a caller
            // retrying crashes would see the same death again and again instead of the reason.
            throw new ArgumentException(
                $"The call takes {frame.Length} bytes, more than this pool's MaxMessageBytes ({_options.MaxMessageBytes}). " +
                "Raise WorkerPoolOptions.MaxMessageBytes (spindle agent --max-message-bytes) or send less.", nameof(frame));
        }

        var call = new RelayedCall(frame, cancellationToken)
        {
            Timeout = options.Timeout,
            RetriesOnCrash = options.RetriesOnCrash,
        };
        _dispatcher.Submit(call, waitForRoom: true);
        return call;
    }

    /// <summary>
    /// Ends a relayed call now, cancelled, killing the worker process running it instead of waiting out
    /// <see cref="WorkerPoolOptions.CancellationGracePeriod"/> (its caller has given up on it: a timeout, a forced stop).
    /// A call still queued ends through its cancellation token instead.
    /// </summary>
    internal static void StopNow(RelayedCall call)
    {
        if (call.RunningOn is { } worker)
        {
            worker.StopCall(call, static c => c.TryCancel());
        }
    }
}

/// <summary>What a relayed call runs with (the caller's pool owns its other options).</summary>
internal readonly record struct RelayedCallOptions(TimeSpan? Timeout, int RetriesOnCrash);
