using System.Runtime.Versioning;
using Spindle.Interop;
using Spindle.Sync;

namespace Spindle.Ipc.Queues;

/// <summary>
/// The queue's mutual exclusion across processes: a word holding the holder's pid, taken with one compare-exchange,
/// slept on with a futex when contended. A holder that died inside the (short) critical section is noticed by its
/// missing pid and the lock is taken over; the queue's single-store commits keep its state consistent meanwhile.
/// </summary>
[SupportedOSPlatform("linux")]
internal static unsafe class QueueLock
{
    /// <summary>How long a sleeping waiter trusts the holder before checking it is still alive.</summary>
    private static readonly TimeSpan HolderCheckInterval = TimeSpan.FromMilliseconds(100);

    public static void Enter(QueueHeader* header)
    {
        int me = Environment.ProcessId;
        int* word = &header->Lock;
        if (Interlocked.CompareExchange(ref *word, me, 0) == 0)
        {
            return;
        }

        var spinner = default(SpinWait);
        for (int i = 0; i < 20; i++)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
            if (Interlocked.CompareExchange(ref *word, me, 0) == 0)
            {
                return;
            }
        }

        Interlocked.Increment(ref header->LockWaiters);
        try
        {
            while (true)
            {
                int holder = Interlocked.CompareExchange(ref *word, me, 0);
                if (holder == 0)
                {
                    return;
                }

                if (!Futex.Wait(word, holder, HolderCheckInterval)
                    && holder != me && !Native.ProcessAlive(holder) && Interlocked.CompareExchange(ref *word, me, holder) == holder)
                {
                    return;
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref header->LockWaiters);
        }
    }

    public static void Exit(QueueHeader* header)
    {
        Volatile.Write(ref header->Lock, 0);
        if (Volatile.Read(ref header->LockWaiters) > 0)
        {
            Futex.Wake(&header->Lock, 1);
        }
    }

    /// <summary>
    /// After a change a sleeper may wait for: if anyone sleeps (or is about to), bumps the signal word, and the first
    /// waker since they went to sleep wakes them all. With nobody waiting it costs one read: a waiter registers itself
    /// before its last look at the queue (see <see cref="Sleep"/>), so either it sees the change or this sees it.
    /// </summary>
    public static void Signal(in QueueSignal signal)
    {
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref *signal.Waiters) > 0)
        {
            Interlocked.Increment(ref *signal.Word);
            if (Interlocked.Exchange(ref *signal.Sleepers, 0) != 0)
            {
                // All of them: a woken waiter may be a process that just died, and the message must not wait for it.
                Futex.Wake(signal.Word);
            }
        }
    }

    /// <summary>
    /// Sleeps on the signal unless <paramref name="ready"/> already holds once this waiter is registered. Returns when
    /// signalled (or spuriously): callers look again.
    /// </summary>
    public static void Sleep(in QueueSignal signal, Func<bool> ready)
    {
        Interlocked.Increment(ref *signal.Waiters);
        try
        {
            Interlocked.Exchange(ref *signal.Sleepers, 1);
            int seen = Volatile.Read(ref *signal.Word);
            if (!ready())
            {
                Futex.Wait(signal.Word, seen, Timeout.InfiniteTimeSpan);
            }
        }
        finally
        {
            Interlocked.Decrement(ref *signal.Waiters);
        }
    }
}

/// <summary>One wake-up channel in a queue's header: the word sleepers wait on, how many wait, and whether one may be asleep unwoken.</summary>
[SupportedOSPlatform("linux")]
internal readonly unsafe struct QueueSignal(int* word, int* waiters, int* sleepers)
{
    public int* Word { get; } = word;

    public int* Waiters { get; } = waiters;

    public int* Sleepers { get; } = sleepers;

    public static QueueSignal Items(QueueHeader* header) => new(&header->ItemsSignal, &header->ItemWaiters, &header->ItemSleepers);

    public static QueueSignal Space(QueueHeader* header) => new(&header->SpaceSignal, &header->SpaceWaiters, &header->SpaceSleepers);
}
