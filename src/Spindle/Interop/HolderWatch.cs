using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>
/// Wakes waiters when the process holding what they wait for dies. One background thread polls a pidfd per
/// watched process (<c>pidfd_open</c>, Linux 5.3+): the kernel makes it readable when the process exits, and the
/// watcher then bumps the waiters' futex word and wakes them. So a waiter sleeps in the futex with no timeout and
/// still learns of the death at once, without polling.
/// </summary>
/// <remarks>
/// Linux's own answer, robust futex lists, cannot be used: glibc owns each thread's list (set_robust_list) for its
/// pthread mutexes. Where pidfds are unavailable, <see cref="Watch"/> returns null and waiters fall back to futex
/// waits bounded by <see cref="FallbackCheckInterval"/> followed by a liveness check of the holder.
/// </remarks>
internal static unsafe partial class HolderWatch
{
    /// <summary>How often a waiter checks its holder is alive when pidfds are unavailable.</summary>
    public static readonly TimeSpan FallbackCheckInterval = TimeSpan.FromMilliseconds(200);

    private const int PidfdOpenSyscall = 434;
    private const int MaxIdlePidfds = 64;
    private const short PollIn = 0x1;
    private static readonly object Gate = new();
    private static readonly Dictionary<int, Watched> ByPid = [];
    private static int _eventFd = -1;
    private static bool _unsupported = !OperatingSystem.IsLinux();

    /// <summary>One waiter's interest in one holder.</summary>
    public sealed class Registration(int pid, int* word)
    {
        public int Pid { get; } = pid;

        internal int* Word { get; } = word;

        private volatile bool _holderDied;

        /// <summary>Set when the kernel reported the holder's exit (by the watcher thread, hence volatile).</summary>
        public bool HolderDied
        {
            get => _holderDied;
            internal set => _holderDied = value;
        }
    }

    private sealed class Watched(int fd)
    {
        public int Fd { get; } = fd;

        public List<Registration> Registrations { get; } = [];
    }

    /// <summary>
    /// Asks to be woken through <paramref name="word"/> (incremented, then futex-woken) when process
    /// <paramref name="pid"/> dies. Null if pidfds are unavailable. The word must stay mapped until <see cref="Unwatch"/>.
    /// </summary>
    public static Registration? Watch(int pid, int* word)
    {
        lock (Gate)
        {
            if (_unsupported || !EnsureThread())
            {
                return null;
            }

            var registration = new Registration(pid, word);
            if (!ByPid.TryGetValue(pid, out Watched? watched))
            {
                int fd = (int)syscall(PidfdOpenSyscall, pid, 0);
                if (fd < 0)
                {
                    // ESRCH: already gone (and reaped). Anything else: no pidfds here.
                    registration.HolderDied = Marshal.GetLastPInvokeError() == 3;
                    _unsupported = !registration.HolderDied;
                    return _unsupported ? null : registration;
                }

                watched = new Watched(fd);
                ByPid.Add(pid, watched);
                Poke();
            }

            watched.Registrations.Add(registration);
            return registration;
        }
    }

    /// <summary>Ends a registration; after this the watcher no longer touches its word.</summary>
    public static void Unwatch(Registration? registration)
    {
        if (registration is null)
        {
            return;
        }

        lock (Gate)
        {
            if (ByPid.TryGetValue(registration.Pid, out Watched? watched))
            {
                watched.Registrations.Remove(registration);
            }
        }
    }

    private static bool EnsureThread()
    {
        if (_eventFd >= 0)
        {
            return true;
        }

        _eventFd = eventfd(0, 0x80000 /* EFD_CLOEXEC */);
        if (_eventFd < 0)
        {
            _unsupported = true;
            return false;
        }

        new Thread(Run) { IsBackground = true, Name = "Spindle holder watch" }.Start();
        return true;
    }

    private static void Poke()
    {
        ulong one = 1;
        _ = write(_eventFd, &one, 8);
    }

    private static void Run()
    {
        PollFd[] fds = new PollFd[1];
        int[] pids = new int[1];
        while (true)
        {
            int count;
            lock (Gate)
            {
                count = ByPid.Count + 1;
                if (fds.Length < count)
                {
                    fds = new PollFd[count * 2];
                    pids = new int[count * 2];
                }

                fds[0] = new PollFd { Fd = _eventFd, Events = PollIn };
                int i = 1;
                foreach ((int pid, Watched watched) in ByPid)
                {
                    fds[i] = new PollFd { Fd = watched.Fd, Events = PollIn };
                    pids[i++] = pid;
                }
            }

            fixed (PollFd* polled = fds)
            {
                if (poll(polled, (nuint)count, -1) < 0)
                {
                    continue;
                }
            }

            if ((fds[0].Returned & PollIn) != 0)
            {
                ulong drained;
                _ = read(_eventFd, &drained, 8);
            }

            lock (Gate)
            {
                for (int i = 1; i < count; i++)
                {
                    if (fds[i].Returned != 0)
                    {
                        Died(pids[i]);
                    }
                }

                TrimIdle();
            }
        }
    }

    private static void Died(int pid)
    {
        if (!ByPid.Remove(pid, out Watched? watched))
        {
            return;
        }

        foreach (Registration registration in watched.Registrations)
        {
            registration.HolderDied = true;
            Interlocked.Increment(ref *registration.Word);
            Futex.Wake(registration.Word);
        }

        _ = close(watched.Fd);
    }

    // Pidfds of holders nobody waits for stay open for the next contended wait, up to a limit.
    private static void TrimIdle()
    {
        if (ByPid.Count <= MaxIdlePidfds)
        {
            return;
        }

        foreach ((int pid, Watched watched) in ByPid.Where(p => p.Value.Registrations.Count == 0).ToList())
        {
            ByPid.Remove(pid);
            _ = close(watched.Fd);
        }
    }

    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Returned;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int pid, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollFd* fds, nuint count, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nuint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);
}
