using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>
/// A blocking read that another thread can call off: the reader waits in <c>poll</c> on its descriptor and on an
/// eventfd, and whoever wants it to stop writes the eventfd. Closing a descriptor under a thread blocked in
/// <c>read</c> does not wake it on Linux, and the number could be reused meanwhile.
/// </summary>
internal static unsafe partial class Native
{
    private const short PollIn = 0x001;
    private const int EfdCloexec = 0x80000;

    /// <summary>A new eventfd to wake a <see cref="WaitReadable"/> with, or -1 when the kernel refuses one.</summary>
    public static int CreateWakeup() => IsLinux ? eventfd(0, EfdCloexec) : -1;

    /// <summary>Wakes every <see cref="WaitReadable"/> on <paramref name="wakeup"/>, now and later.</summary>
    public static void Wake(int wakeup)
    {
        ulong one = 1;
        _ = write(wakeup, &one, 8);
    }

    /// <summary>
    /// Waits until <paramref name="descriptor"/> has data or its end of file (true) or <paramref name="wakeup"/> was
    /// woken (false). The wake-up is never drained, so it stays woken.
    /// </summary>
    public static bool WaitReadable(int descriptor, int wakeup)
    {
        PollEntry* fds = stackalloc PollEntry[2];
        fds[0] = new PollEntry { Descriptor = descriptor, Events = PollIn };
        fds[1] = new PollEntry { Descriptor = wakeup, Events = PollIn };
        while (true)
        {
            if (poll(fds, 2, -1) >= 0)
            {
                return fds[1].Returned == 0;
            }

            if (Marshal.GetLastPInvokeError() != 4 /* EINTR */)
            {
                // A poll that cannot wait: let the read itself decide.
                return true;
            }
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nuint count);
}
