using System.Runtime.InteropServices;
using Spindle.Interop;

namespace Spindle.Lab.Os;

/// <summary>The raw system calls the experiments compare against: pipes, affinity, a blocking sleep (futexes: <see cref="Spindle.Interop.Futex"/>).</summary>
internal static unsafe partial class LabNative
{
    private const int OpenReadOnly = 0;
    private const int OpenWriteOnly = 1;
    private const int OpenReadWrite = 2;
    private const int InterruptedErrno = 4;

    /// <summary>The kernel thread id of the calling thread.</summary>
    public static int ThreadId() => gettid();

    /// <summary>The highest CPU this thread may run on (from its affinity mask), or -1 when the mask cannot be read.</summary>
    public static int HighestAllowedCpu()
    {
        CpuSet set;
        if (sched_getaffinity(0, (nuint)sizeof(CpuSet), &set) != 0)
        {
            return -1;
        }

        for (int cpu = CpuSet.Bits - 1; cpu >= 0; cpu--)
        {
            if (set.Has(cpu))
            {
                return cpu;
            }
        }

        return -1;
    }

    /// <summary>
    /// Pins the calling thread to <paramref name="cpu"/>, so every hand-off between two pinned threads is a context
    /// switch; dispose to restore the thread's previous mask. <see cref="CpuPin.Pinned"/> is false when the kernel refused.
    /// </summary>
    public static CpuPin PinTo(int cpu)
    {
        CpuSet previous;
        if (cpu is < 0 or >= CpuSet.Bits || sched_getaffinity(0, (nuint)sizeof(CpuSet), &previous) != 0)
        {
            return default;
        }

        CpuSet one = default;
        one.Add(cpu);
        return sched_setaffinity(0, (nuint)sizeof(CpuSet), &one) == 0 ? new CpuPin(previous) : default;
    }

    /// <summary>A pinned thread's previous CPU mask; disposing restores it.</summary>
    public readonly struct CpuPin : IDisposable
    {
        private readonly CpuSet _previous;

        internal CpuPin(CpuSet previous)
        {
            _previous = previous;
            Pinned = true;
        }

        public bool Pinned { get; }

        public void Dispose()
        {
            if (Pinned)
            {
                CpuSet previous = _previous;
                _ = sched_setaffinity(0, (nuint)sizeof(CpuSet), &previous);
            }
        }
    }

    /// <summary>A cpu_set_t for up to 1024 CPUs.</summary>
    internal struct CpuSet
    {
        public const int Bits = 1024;

        private fixed ulong _words[Bits / 64];

        public readonly bool Has(int cpu) => (_words[cpu / 64] & (1UL << (cpu % 64))) != 0;

        public void Add(int cpu) => _words[cpu / 64] |= 1UL << (cpu % 64);
    }

    /// <summary>Creates a named pipe (FIFO) readable and writable by this user only.</summary>
    public static void MakeFifo(string path)
    {
        if (mkfifo(path, 0x180 /* 0600 */) != 0)
        {
            throw new IOException($"mkfifo({path}) failed with errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>Opens a path with open(2); blocks on a FIFO until the other end opens.</summary>
    public static int Open(string path, FileAccess access)
    {
        int flags = access switch { FileAccess.Read => OpenReadOnly, FileAccess.Write => OpenWriteOnly, _ => OpenReadWrite };
        int fd = open(path, flags | 0x80000 /* O_CLOEXEC */);
        return fd >= 0 ? fd : throw new IOException($"open({path}) failed with errno {Marshal.GetLastPInvokeError()}.");
    }

    /// <summary>Writes all of <paramref name="data"/> to <paramref name="fd"/>.</summary>
    public static void WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* start = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = write(fd, start + done, data.Length - done);
                if (n < 0 && Marshal.GetLastPInvokeError() == InterruptedErrno)
                {
                    continue;
                }

                done += n > 0 ? (int)n : throw new IOException($"write(fd {fd}) failed with errno {Marshal.GetLastPInvokeError()}.");
            }
        }
    }

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="fd"/>; throws at end of file.</summary>
    public static void ReadExactly(int fd, Span<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            int done = 0;
            while (done < buffer.Length)
            {
                nint n = read(fd, start + done, buffer.Length - done);
                if (n < 0 && Marshal.GetLastPInvokeError() == InterruptedErrno)
                {
                    continue;
                }

                done += n > 0 ? (int)n : throw new EndOfStreamException($"read(fd {fd}) returned {n} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
    }

    public static void Close(int fd) => _ = close(fd);

    /// <summary>
    /// Opens each FIFO read-write, which completes any open(2) blocked on it waiting for a partner that failed before
    /// opening its end; the blocked side then proceeds and fails fast. Dispose once the blocked side is through.
    /// </summary>
    public static IDisposable ReleaseBlockedOpens(params string[] fifos)
    {
        int[] held = [.. fifos.Select(f => open(f, OpenReadWrite | 0x80000 /* O_CLOEXEC */)).Where(fd => fd >= 0)];
        return new HeldDescriptors(held);
    }

    private sealed class HeldDescriptors(int[] fds) : IDisposable
    {
        public void Dispose() => Array.ForEach(fds, Close);
    }

    /// <summary>Blocks the calling thread in the kernel for <paramref name="time"/>: a stand-in for a blocking I/O wait.</summary>
    public static void BlockingWait(TimeSpan time)
    {
        long nanoseconds = time.Ticks * 100;
        var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
        TimeSpec remaining;
        while (nanosleep(&request, &remaining) != 0 && Marshal.GetLastPInvokeError() == InterruptedErrno)
        {
            request = remaining;
        }
    }

    /// <summary>A real segmentation fault: native code writes to an unmapped address, so the runtime cannot turn it into an exception.</summary>
    public static void Segfault() => _ = memset((void*)16, 1, 1);

    /// <summary>Points stderr at /dev/null, so a deliberately crashing child leaves the lab's console clean.</summary>
    public static void SilenceStandardError()
    {
        int fd = open("/dev/null", OpenWriteOnly);
        if (fd >= 0)
        {
            _ = dup2(fd, 2);
            _ = close(fd);
        }
    }

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }


    [LibraryImport("libc")]
    private static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_setaffinity(int pid, nuint size, CpuSet* mask);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int sched_getaffinity(int pid, nuint size, CpuSet* mask);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkfifo(string path, uint mode);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, byte* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, byte* buffer, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);

    [LibraryImport("libc")]
    private static partial int dup2(int fd, int target);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int nanosleep(TimeSpec* request, TimeSpec* remaining);

    [LibraryImport("libc")]
    private static partial void* memset(void* destination, int value, nuint count);
}
