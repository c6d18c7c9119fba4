using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>
/// The kernel's wait-on-a-word primitive, usable on any 32-bit word in shared memory: shared futexes (no
/// FUTEX_PRIVATE_FLAG), so a wake in one process reaches a waiter in another that mapped the same page.
/// </summary>
internal static unsafe partial class Futex
{
    private const int WaitOperation = 0;
    private const int WakeOperation = 1;
    private const int TimedOut = 110; // ETIMEDOUT
    private static readonly long SyscallNumber = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    /// <summary>Whether this platform has futexes Spindle knows how to call.</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && SyscallNumber > 0;

    /// <summary>
    /// Sleeps while <c>*address == expected</c>, until woken or <paramref name="timeout"/> passes (infinite if
    /// negative). Returns false on timeout; true when woken, when the word had already changed, or on a signal —
    /// callers re-check their condition either way.
    /// </summary>
    public static bool Wait(int* address, int expected, TimeSpan timeout)
    {
        ThrowIfUnsupported();
        long result;
        if (timeout < TimeSpan.Zero)
        {
            result = syscall(SyscallNumber, address, WaitOperation, expected, null, null, 0);
        }
        else
        {
            long ticks = timeout.Ticks;
            var time = new Timespec { Seconds = ticks / TimeSpan.TicksPerSecond, Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100 };
            result = syscall(SyscallNumber, address, WaitOperation, expected, &time, null, 0);
        }

        return result == 0 || Marshal.GetLastPInvokeError() != TimedOut;
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters on <paramref name="address"/>; returns how many woke.</summary>
    public static int Wake(int* address, int count = int.MaxValue)
    {
        ThrowIfUnsupported();
        long woken = syscall(SyscallNumber, address, WakeOperation, count, null, null, 0);
        return woken < 0 ? 0 : (int)woken;
    }

    private static void ThrowIfUnsupported()
    {
        if (!IsSupported)
        {
            throw new PlatformNotSupportedException($"Cross-process waiting needs Linux futexes (x64 or arm64); this is {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}.");
        }
    }

    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial long syscall(long number, int* address, int operation, int value, Timespec* timeout, int* address2, int value3);
}
