using System.Diagnostics;

namespace Spindle.Sync;

/// <summary>The async wait loop: the same steps as the blocking one, sleeping through <see cref="AsyncFutexWaiter"/>.</summary>
public abstract partial class SharedWaitable
{
    private async Task<int> WaitSlowAsync(int argument, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        HolderWatch.Registration? watch = null;
        bool sleptOut = false;
        // The lease keeps the futex word mapped while the waiter thread sleeps on it.
        using Shared.Segment.Lease lease = Segment.Use();
        try
        {
            while (true)
            {
                int seen = ReadChanges();
                int taken = TryTake(argument, watch?.HolderDied == true || sleptOut);
                if (taken != NotYet)
                {
                    return taken;
                }

                cancellationToken.ThrowIfCancellationRequested();
                Segment.ThrowIfDisposed();
                TimeSpan remaining = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (deadline != long.MaxValue && remaining <= TimeSpan.Zero)
                {
                    return NotYet;
                }

                watch = WatchHolder(watch, ref remaining);
                if (watch?.HolderDied == true)
                {
                    continue;
                }

                // Counted as a waiter before the sleep starts, as in the blocking loop: signals wake only counted waiters.
                AddWaiter(1);
                Task<bool>? sleep = SleepAsync(seen, remaining, cancellationToken);
                if (sleep is null)
                {
                    AddWaiter(-1);
                    // No futex_waitv, or too many async waits at once: sleep on a dedicated thread instead.
                    TimeSpan left = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    return await Task.Factory.StartNew(
                        () => Wait(argument, left < TimeSpan.Zero && left != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : left, cancellationToken),
                        cancellationToken, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).ConfigureAwait(false);
                }

                try
                {
                    sleptOut = !await sleep.ConfigureAwait(false);
                }
                finally
                {
                    AddWaiter(-1);
                }
            }
        }
        finally
        {
            HolderWatch.Unwatch(watch);
            if (IsAvailable())
            {
                Changed(1);
            }
        }
    }
}
