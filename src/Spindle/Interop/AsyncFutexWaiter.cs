using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>
/// Lets async waits sleep without a thread each: one background thread sleeps on every pending async wait's futex
/// word at once with <c>futex_waitv</c> (Linux 5.16+), plus a private control word that wakes it when the set
/// changes. When a word changes the thread completes that wait's task; the caller then tries again.
/// </summary>
/// <remarks>Where <c>futex_waitv</c> is missing, or more than <see cref="MaxWaits"/> waits are pending, <see cref="TryWaitAsync"/> returns null and the caller sleeps on a dedicated thread instead.</remarks>
internal static unsafe partial class AsyncFutexWaiter
{
    /// <summary>The most async waits one thread sleeps on (futex_waitv takes 128 words; one is the control word).</summary>
    public const int MaxWaits = 127;

    private const long FutexWaitvSyscall = 449;
    private const uint Futex32 = 2;
    private const int ClockMonotonic = 1;
    private static readonly Lock Gate = new();
    private static readonly List<Entry> Entries = [];
    private static readonly int* Control = (int*)NativeMemory.AllocZeroed(sizeof(int));
    private static bool _started;
    private static bool _unsupported = !OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64);

    private sealed class Entry(int* word, int seen, long deadline)
    {
        public int* Word { get; } = word;

        public int Seen { get; } = seen;

        /// <summary>CLOCK_MONOTONIC nanoseconds, or long.MaxValue for none.</summary>
        public long Deadline { get; } = deadline;

        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Cancellation { get; set; }
    }

    /// <summary>
    /// A task that becomes true when <c>*word != seen</c> (after a wake), false when <paramref name="timeout"/>
    /// passes (negative: never), canceled with <paramref name="cancellationToken"/>; or null if this process cannot
    /// take another async wait. <paramref name="word"/> must stay mapped until the task completes.
    /// </summary>
    public static Task<bool>? TryWaitAsync(int* word, int seen, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long deadline = timeout < TimeSpan.Zero ? long.MaxValue : MonotonicNanoseconds() + (long)(timeout.Ticks * 100);
        var entry = new Entry(word, seen, deadline);
        lock (Gate)
        {
            if (_unsupported || Entries.Count >= MaxWaits)
            {
                return null;
            }

            Entries.Add(entry);
            if (!_started)
            {
                _started = true;
                new Thread(Run) { IsBackground = true, Name = "Spindle async futex waits" }.Start();
            }
        }

        entry.Cancellation = cancellationToken.UnsafeRegister(static (state, token) =>
        {
            var cancelled = (Entry)state!;
            if (Remove(cancelled))
            {
                cancelled.Done.TrySetCanceled(token);
            }
        }, entry);
        Poke();
        return entry.Done.Task;
    }

    private static bool Remove(Entry entry)
    {
        lock (Gate)
        {
            return Entries.Remove(entry);
        }
    }

    private static void Poke()
    {
        Interlocked.Increment(ref *Control);
        Futex.Wake(Control);
    }

    private static void Run()
    {
        var waits = new WaitV[MaxWaits + 1];
        var finished = new List<(Entry Entry, bool Changed)>();
        while (true)
        {
            int count;
            long deadline = long.MaxValue;
            lock (Gate)
            {
                waits[0] = new WaitV { Value = (uint)Volatile.Read(ref *Control), Address = (ulong)Control, Flags = Futex32 };
                count = 1;
                foreach (Entry entry in Entries)
                {
                    waits[count++] = new WaitV { Value = (uint)entry.Seen, Address = (ulong)entry.Word, Flags = Futex32 };
                    deadline = Math.Min(deadline, entry.Deadline);
                }
            }

            Sleep(waits, count, deadline);
            if (_unsupported)
            {
                return;
            }

            long now = MonotonicNanoseconds();
            lock (Gate)
            {
                for (int i = Entries.Count - 1; i >= 0; i--)
                {
                    Entry entry = Entries[i];
                    bool changed = Volatile.Read(ref *entry.Word) != entry.Seen;
                    if (changed || now >= entry.Deadline)
                    {
                        Entries.RemoveAt(i);
                        finished.Add((entry, changed));
                    }
                }
            }

            foreach ((Entry entry, bool changed) in finished)
            {
                entry.Cancellation.Dispose();
                entry.Done.TrySetResult(changed);
            }

            finished.Clear();
        }
    }

    private static void Sleep(WaitV[] waits, int count, long deadline)
    {
        fixed (WaitV* first = waits)
        {
            long result;
            if (deadline == long.MaxValue)
            {
                result = syscall(FutexWaitvSyscall, first, (uint)count, 0, null, ClockMonotonic);
            }
            else
            {
                var at = new Timespec { Seconds = deadline / 1_000_000_000, Nanoseconds = deadline % 1_000_000_000 };
                result = syscall(FutexWaitvSyscall, first, (uint)count, 0, &at, ClockMonotonic);
            }

            if (result < 0 && Marshal.GetLastPInvokeError() == 38 /* ENOSYS */)
            {
                FailAll();
            }
        }
    }

    // Without futex_waitv, hand every pending wait back to its caller (which sleeps on a thread) and take no more.
    private static void FailAll()
    {
        Entry[] pending;
        lock (Gate)
        {
            _unsupported = true;
            pending = [.. Entries];
            Entries.Clear();
        }

        foreach (Entry entry in pending)
        {
            entry.Done.TrySetResult(true);
        }
    }

    private static long MonotonicNanoseconds()
    {
        Timespec now;
        _ = clock_gettime(ClockMonotonic, &now);
        return (now.Seconds * 1_000_000_000) + now.Nanoseconds;
    }

    private struct WaitV
    {
        public ulong Value;
        public ulong Address;
        public uint Flags;
        public uint Reserved;
    }

    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, WaitV* waiters, uint count, uint flags, Timespec* timeout, int clock);

    [LibraryImport("libc")]
    private static partial int clock_gettime(int clock, Timespec* time);
}
