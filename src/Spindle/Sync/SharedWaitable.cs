using System.Diagnostics;
using System.Runtime.Versioning;
using Spindle.Interop;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>
/// What every shared synchronization object has in common: a segment whose data starts with a change counter and a
/// waiter count, and one wait loop. A waiter reads the counter, tries to take what it waits for, and otherwise
/// sleeps in a futex on the counter; every change (a release, a set, a cancellation, a holder's death) bumps the
/// counter before waking, so no wake-up is ever lost between the try and the sleep.
/// </summary>
/// <remarks>Data layout: change counter @0, waiter count @4, the object's own state from @8 (<see cref="State"/>).</remarks>
[SupportedOSPlatform("linux")]
public abstract unsafe partial class SharedWaitable : IDisposable
{
    /// <summary>What <see cref="TryTake"/> reports: nothing to take yet.</summary>
    private protected const int NotYet = 0;

    /// <summary>What <see cref="TryTake"/> reports: taken.</summary>
    private protected const int Taken = 1;

    /// <summary>What <see cref="TryTake"/> reports: taken over from a holder that died.</summary>
    private protected const int TakenFromDeadHolder = 2;

    private const int SpinLimit = 20;

    private protected SharedWaitable(Segment segment)
    {
        Segment = segment;
        segment.Disposing = WakeAll;
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => Segment.Name;

    private protected Segment Segment { get; }

    private protected int* Changes => (int*)Segment.Data;

    private protected int* Waiters => (int*)Segment.Data + 1;

    /// <summary>The object's own state words.</summary>
    private protected int* State => (int*)Segment.Data + 2;

    /// <summary>
    /// Reads word <paramref name="index"/> of the state for a property: under a lease, so a disposed object throws
    /// <see cref="ObjectDisposedException"/> instead of reading unmapped memory (which ended the process).
    /// </summary>
    private protected int ReadState(int index)
    {
        using Segment.Lease lease = Segment.Use();
        return Volatile.Read(ref State[index]);
    }

    /// <summary>Reads the 64-bit value at word <paramref name="index"/> of the state, as <see cref="ReadState"/> does.</summary>
    private protected long ReadState64(int index)
    {
        using Segment.Lease lease = Segment.Use();
        return Volatile.Read(ref *(long*)(State + index));
    }

    /// <summary>The same as <see cref="ISharedReference.Reference"/> for every subclass: its name, if not disposed.</summary>
    private protected string ReferenceName
    {
        get
        {
            Segment.ThrowIfDisposed();
            return Name;
        }
    }

    /// <summary>
    /// Tries to take what waiters wait for; <paramref name="argument"/> is the wait's own context, and
    /// <paramref name="holderMayBeDead"/> says the holder's liveness is worth checking (its death was reported, or
    /// without pidfds, a bounded sleep ran out).
    /// </summary>
    private protected abstract int TryTake(int argument, bool holderMayBeDead);

    /// <summary>The pid of another process whose death would end the wait (a lock's holder), or 0.</summary>
    private protected virtual int HolderToWatch() => 0;

    /// <summary>Whether a waiter that gives up (timeout, cancellation) should pass a wake-up it may have consumed on.</summary>
    private protected virtual bool IsAvailable() => false;

    /// <summary>Records a change and wakes up to <paramref name="count"/> waiters.</summary>
    private protected void Changed(int count)
    {
        Interlocked.Increment(ref *Changes);
        if (Volatile.Read(ref *Waiters) > 0)
        {
            Futex.Wake(Changes, count);
        }
    }

    private void WakeAll()
    {
        Interlocked.Increment(ref *Changes);
        Futex.Wake(Changes);
    }

    /// <summary>Waits until <see cref="TryTake"/> succeeds; returns its result, or <see cref="NotYet"/> on timeout.</summary>
    private protected int Wait(int argument, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ValidateTimeout(timeout);
        using Segment.Lease lease = Segment.Use();
        int taken = TryTake(argument, holderMayBeDead: false);
        return taken != NotYet ? taken : WaitSlow(argument, timeout, cancellationToken);
    }

    /// <summary>Like <see cref="Wait"/>, without blocking the caller's thread (see <see cref="AsyncFutexWaiter"/>).</summary>
    private protected ValueTask<int> WaitAsync(int argument, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ValidateTimeout(timeout);
        using (Segment.Use())
        {
            int taken = TryTake(argument, holderMayBeDead: false);
            if (taken != NotYet || timeout == TimeSpan.Zero)
            {
                return new ValueTask<int>(taken);
            }
        }

        return cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<int>(cancellationToken)
            : new ValueTask<int>(WaitSlowAsync(argument, timeout, cancellationToken));
    }

    private int ReadChanges() => Volatile.Read(ref *Changes);

    private void AddWaiter(int delta) => Interlocked.Add(ref *Waiters, delta);

    private Task<bool>? SleepAsync(int seen, TimeSpan timeout, CancellationToken cancellationToken) =>
        AsyncFutexWaiter.TryWaitAsync(Changes, seen, timeout, cancellationToken);

    private static void ValidateTimeout(TimeSpan timeout)
    {
        if (timeout < TimeSpan.Zero && timeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be zero or more, or Timeout.InfiniteTimeSpan.");
        }
    }

    private int WaitSlow(int argument, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var state = new WaitState(timeout);
        using CancellationTokenRegistration onCancel = cancellationToken.UnsafeRegister(static state => ((SharedWaitable)state!).WakeAll(), this);
        try
        {
            while (true)
            {
                if (Attempt(argument, ref state, cancellationToken) is int done)
                {
                    return done;
                }

                if (SpinUntilChanged(state.Seen))
                {
                    continue;
                }

                AddWaiter(1);
                try
                {
                    state.SleptOut = !Futex.Wait(Changes, state.Seen, state.Remaining);
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

    /// <summary>Where one wait stands between its sleeps.</summary>
    private struct WaitState(TimeSpan timeout)
    {
        public readonly long Deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        public HolderWatch.Registration? Watch;
        public bool SleptOut;
        public int Seen;
        public TimeSpan Remaining;
    }

    /// <summary>
    /// One turn of a wait loop: returns what was taken, or <see cref="NotYet"/> when the time is up; null means sleep
    /// on <see cref="WaitState.Seen"/> for at most <see cref="WaitState.Remaining"/>.
    /// </summary>
    private int? Attempt(int argument, ref WaitState state, CancellationToken cancellationToken)
    {
        state.Seen = Volatile.Read(ref *Changes);
        int taken = TryTake(argument, state.Watch?.HolderDied == true || state.SleptOut);
        if (taken != NotYet)
        {
            return taken;
        }

        cancellationToken.ThrowIfCancellationRequested();
        Segment.ThrowIfDisposed();
        state.Remaining = state.Deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), state.Deadline);
        if (state.Deadline != long.MaxValue && state.Remaining <= TimeSpan.Zero)
        {
            return NotYet;
        }

        state.Watch = WatchHolder(state.Watch, ref state.Remaining);
        // A holder found dead while registering: try again at once, it will not wake anyone.
        return state.Watch?.HolderDied == true ? Attempt(argument, ref state, cancellationToken) : null;
    }

    private void Finish(WaitState state)
    {
        HolderWatch.Unwatch(state.Watch);
        if (IsAvailable())
        {
            // We may have been the one woken for it: pass the wake-up on rather than strand another waiter.
            Changed(1);
        }
    }

    // A signal often follows within microseconds (a round trip's answer, a lock held for a few stores): spinning
    // briefly first saves the futex sleep and the wake-up latency. SpinWait yields the core once it has spun a little.
    private bool SpinUntilChanged(int seen)
    {
        var spinner = default(SpinWait);
        for (int i = 0; i < SpinLimit; i++)
        {
            if (Volatile.Read(ref *Changes) != seen)
            {
                return true;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        return false;
    }

    // Keeps a watch on the current holder, so its death wakes us; without pidfds, bounds the sleep instead.
    private HolderWatch.Registration? WatchHolder(HolderWatch.Registration? watch, ref TimeSpan remaining)
    {
        int holder = HolderToWatch();
        if (holder == 0 || holder == Environment.ProcessId)
        {
            return watch;
        }

        if (watch?.Pid != holder)
        {
            HolderWatch.Unwatch(watch);
            watch = HolderWatch.Watch(holder, Changes);
        }

        if (watch is null && (remaining == Timeout.InfiniteTimeSpan || remaining > HolderWatch.FallbackCheckInterval))
        {
            remaining = HolderWatch.FallbackCheckInterval;
        }

        return watch;
    }

    /// <summary>Whether process <paramref name="pid"/> is gone (so what it held is abandoned).</summary>
    private protected static bool IsDead(int pid) => pid != Environment.ProcessId && !Native.ProcessAlive(pid);

    /// <summary>Closes this process's use of the object; the last user to dispose (or die) removes it.</summary>
    public void Dispose()
    {
        Segment.Dispose();
        GC.SuppressFinalize(this);
    }
}
