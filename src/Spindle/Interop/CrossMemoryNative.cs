using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>
/// <c>process_vm_readv</c> and <c>process_vm_writev</c>: the kernel copies bytes straight between this process's memory
/// and another's, once, without a shared mapping in between. Allowed when this process may ptrace the other (same
/// user, or a parent reading its child under Yama's default scope); refused with EPERM by hardened kernels and by
/// container profiles that block the calls, and ENOSYS where they do not exist.
/// </summary>
internal static unsafe partial class CrossMemoryNative
{
    private const int ErrorFault = 14; // EFAULT

    /// <summary>From this size a copy is split between two threads (see <see cref="Copy"/>).</summary>
    private const long SplitFromBytes = 8 << 20;

    /// <summary>
    /// Whether this process may copy to and from <paramref name="processId"/>'s memory. Asks for one byte at address 0:
    /// the kernel checks the permission first (EPERM, ENOSYS) and only then the address (EFAULT), so EFAULT means yes.
    /// </summary>
    public static bool MayCopyWith(int processId)
    {
        byte probe;
        var local = new IoVector { Base = &probe, Length = 1 };
        var remote = new IoVector { Base = null, Length = 1 };
        nint done = process_vm_readv(processId, &local, 1, &remote, 1, 0);
        return done == 1 || (done < 0 && Marshal.GetLastPInvokeError() == ErrorFault);
    }

    /// <summary>Copies <paramref name="bytes"/> bytes at <paramref name="remote"/> in <paramref name="processId"/> to <paramref name="local"/>; 0 or the errno.</summary>
    public static int Read(int processId, byte* local, long remote, long bytes) => Copy(processId, local, remote, bytes, write: false);

    /// <summary>Copies <paramref name="bytes"/> bytes at <paramref name="local"/> to <paramref name="remote"/> in <paramref name="processId"/>; 0 or the errno.</summary>
    public static int Write(int processId, byte* local, long remote, long bytes) => Copy(processId, local, remote, bytes, write: true);

    /// <summary>The text of an errno, for an error message.</summary>
    public static string Describe(int error) => Marshal.GetPInvokeErrorMessage(error);

    /// <summary>
    /// One copy, split in two halves copied at once by this thread and a thread-pool thread when it is large and the
    /// machine has more than one core: the other process waits for the copy either way, so its core is free, and one
    /// thread moves bytes (and faults in a fresh destination's pages) at well below what the memory can take.
    /// </summary>
    private static int Copy(int processId, byte* local, long remote, long bytes, bool write)
    {
        if (bytes < SplitFromBytes || Environment.ProcessorCount < 2)
        {
            return CopyRange(processId, local, remote, bytes, write);
        }

        long half = (bytes / 2) & ~4095L;
        var second = new SecondHalf(processId, (nint)(local + half), remote + half, bytes - half, write);
        ThreadPool.UnsafeQueueUserWorkItem(static s => s.Run(), second, preferLocal: false);
        int first = CopyRange(processId, local, remote, half, write);

        // A thread pool too busy to start the second half in time (callers blocking its threads) must not hold the copy
        // up: whichever thread comes to it first copies it.
        second.Run();
        second.Done.Wait();
        second.Done.Dispose();
        return first != 0 ? first : second.Error;
    }

    /// <summary>The half of a split copy offered to the thread pool; run once, by whichever thread claims it.</summary>
    private sealed class SecondHalf(int processId, nint local, long remote, long bytes, bool write)
    {
        private int _claimed;

        public ManualResetEventSlim Done { get; } = new();

        public int Error { get; private set; }

        public void Run()
        {
            if (Interlocked.Exchange(ref _claimed, 1) == 0)
            {
                Error = CopyRange(processId, (byte*)local, remote, bytes, write);
                Done.Set();
            }
        }
    }

    private static int CopyRange(int processId, byte* local, long remote, long bytes, bool write)
    {
        if (!write)
        {
            // The destination is ours and may be fresh: one call faults its pages in, instead of one fault per page.
            SegmentNative.Prefault(local, bytes);
        }

        // The kernel may copy less than asked (a partial transfer, or more than it takes in one go): go on from there.
        long done = 0;
        while (done < bytes)
        {
            var here = new IoVector { Base = local + done, Length = (nuint)(bytes - done) };
            var there = new IoVector { Base = (void*)(remote + done), Length = (nuint)(bytes - done) };
            nint copied = write ? process_vm_writev(processId, &here, 1, &there, 1, 0) : process_vm_readv(processId, &here, 1, &there, 1, 0);
            if (copied <= 0)
            {
                return copied < 0 ? Marshal.GetLastPInvokeError() : ErrorFault;
            }

            done += copied;
        }

        return 0;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint process_vm_readv(int pid, IoVector* local, nuint localCount, IoVector* remote, nuint remoteCount, nuint flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint process_vm_writev(int pid, IoVector* local, nuint localCount, IoVector* remote, nuint remoteCount, nuint flags);
}
