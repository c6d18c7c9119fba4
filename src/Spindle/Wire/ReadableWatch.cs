using System.Diagnostics;
using Spindle.Interop;

namespace Spindle.Wire;

/// <summary>
/// Watches a socket (or any condition another thread or process will make true) for a moment before sleeping. An answer often arrives within microseconds (the other
/// half of a round trip): a receiver that stays on its core picks it up at once, where one asleep in the kernel has
/// to be woken by the sender, and waking a thread whose (virtual) core went idle costs more than the whole exchange,
/// and more or less depending on where the scheduler put the two threads. Each check yields the core, so a peer on
/// the same core gets to run and answer at once (a busy spin would make it wait). When watching finds nothing (a
/// slow peer, a busy machine), the next receives block at once, twice as many each time it fails again, so an end
/// that mostly waits long costs no processor time.
/// </summary>
internal struct ReadableWatch
{
    /// <summary>How long <see cref="WaitBriefly"/> watches the socket: 20 µs.</summary>
    private static readonly long WatchTicks = Stopwatch.Frequency / 50_000;

    /// <summary>The most receives that block at once after watching found nothing.</summary>
    private const int MaxBackoff = 64;

    private int _receivesWithoutWatching;
    private int _backoff;

    /// <summary>Returns when data is waiting, or when watching gave up (or is backing off): the caller then blocks.</summary>
    public void WaitBriefly(System.Runtime.InteropServices.SafeHandle socket) =>
        WaitBriefly(static s => Interop.Native.BytesAvailable(s) > 0, socket);

    /// <summary>
    /// Watches <paramref name="ready"/> the same way: true as soon as it holds, false when watching gave up (or is
    /// backing off) and the caller should sleep.
    /// </summary>
    public bool WaitBriefly<TState>(Func<TState, bool> ready, TState state)
    {
        if (_receivesWithoutWatching > 0)
        {
            _receivesWithoutWatching--;
            return false;
        }

        long deadline = Stopwatch.GetTimestamp() + WatchTicks;
        do
        {
            if (ready(state))
            {
                _backoff = 1;
                return true;
            }

            Thread.Yield();
        }
        while (Stopwatch.GetTimestamp() < deadline);

        _receivesWithoutWatching = Math.Max(_backoff, 1);
        _backoff = Math.Min(Math.Max(_backoff, 1) * 2, MaxBackoff);
        return false;
    }
}
