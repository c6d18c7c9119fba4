namespace Spindle.Sync;

/// <summary>The barrier's async wait (apart: unsafe code cannot await).</summary>
public sealed partial class SharedBarrier
{
    /// <summary>Arrives and waits for the others without blocking the caller's thread; returns the number of phases completed.</summary>
    public async ValueTask<long> SignalAndWaitAsync(CancellationToken cancellationToken = default)
    {
        using Shared.Segment.Lease lease = Segment.Use();
        (int phase, long completed) = Arrive();
        if (completed >= 0)
        {
            return completed;
        }

        try
        {
            await WaitAsync(phase, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!Withdraw(phase))
        {
            // The phase completed as we gave up: we did pass the barrier.
        }

        return CurrentPhase;
    }
}
