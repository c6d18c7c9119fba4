using System.Diagnostics;
using Spindle.Interop;

namespace Spindle.Sync;

/// <summary>The async wait loop: the same steps as the blocking one, sleeping through <see cref="AsyncFutexWaiter"/>.</summary>
public abstract partial class SharedWaitable
{
    private async Task<int> WaitSlowAsync(int argument, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var state = new WaitState(timeout);
        // The lease keeps the futex word mapped while the waiter thread sleeps on it.
        using Shared.Segment.Lease lease = Segment.Use();
        try
        {
            while (true)
            {
                if (Attempt(argument, ref state, cancellationToken) is int done)
                {
                    return done;
                }

                // Counted as a waiter before the sleep starts, as in the blocking loop: signals wake only counted waiters.
                AddWaiter(1);
                Task<bool>? sleep = SleepAsync(state.Seen, state.Remaining, cancellationToken);
                if (sleep is null)
                {
                    AddWaiter(-1);
                    // No futex_waitv, or too many async waits at once: sleep on a dedicated thread instead.
                    TimeSpan left = state.Deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), state.Deadline);
                    return await Task.Factory.StartNew(
                        () => Wait(argument, left < TimeSpan.Zero && left != Timeout.InfiniteTimeSpan ? TimeSpan.Zero : left, cancellationToken),
                        cancellationToken, TaskCreationOptions.LongRunning | TaskCreationOptions.DenyChildAttach, TaskScheduler.Default).ConfigureAwait(false);
                }

                try
                {
                    state.SleptOut = !await sleep.ConfigureAwait(false);
                }
                finally
                {
                    AddWaiter(-1);
                }
            }
        }
        finally
        {
            Finish(state);
        }
    }
}
