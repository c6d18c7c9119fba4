using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>The libc calls a shared segment needs: files opened without .NET's advisory locks, and mmap.</summary>
internal static unsafe partial class SegmentNative
{
    public const int OpenReadWrite = 0x2;
    public const int OpenCreate = 0x40;
    public const int OpenExclusive = 0x80;
    public const int OpenNoFollow = 0x20000;
    public const int OpenCloseOnExec = 0x80000;
    public const int ErrorNoEntry = 2;
    public const int ErrorExists = 17;
    public const int ErrorNoSpace = 28;
    private const int ProtReadWrite = 0x1 | 0x2;
    private const int MapShared = 0x01;
    private const int MapPopulate = 0x8000;
    private const int SeekEnd = 2;
    private const int AdvisePopulateWrite = 23; // MADV_POPULATE_WRITE

    public static int Open(string path, int flags, int mode = 0x180 /* 0600 */) => open(path, flags, mode);

    public static int Error => Marshal.GetLastPInvokeError();

    public static long SizeOf(int fd) => lseek(fd, 0, SeekEnd);

    /// <summary>
    /// Sizes the file and reserves its pages now: tmpfs hands out pages lazily, and a page it cannot give later
    /// arrives as SIGBUS on a write into the mapping, which would kill the process instead of failing here.
    /// </summary>
    public static void Resize(int fd, long length, string path, string objectName)
    {
        if (ftruncate(fd, length) != 0 || posix_fallocate(fd, 0, length) is int error and not 0 && Fail(error))
        {
            int failure = Error;
            string directory = Path.GetDirectoryName(path) ?? path;
            throw new IOException(
                $"Could not reserve {length:N0} bytes of shared memory for '{objectName}' in {directory}: {Marshal.GetPInvokeErrorMessage(failure)}. {SpaceOf(directory)}"
                + (failure == ErrorNoSpace ? " Free space there, make that filesystem bigger (mount -o remount,size=...), or send less." : string.Empty),
                failure);
        }
    }

    /// <summary>What the filesystem holding <paramref name="directory"/> is and has free, for an error message.</summary>
    private static string SpaceOf(string directory)
    {
        try
        {
            var drive = new DriveInfo(directory);
            return $"That filesystem ({drive.DriveFormat}) has {drive.AvailableFreeSpace:N0} of {drive.TotalSize:N0} bytes free.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return string.Empty;
        }
    }

    // posix_fallocate returns its error instead of setting errno.
    private static bool Fail(int error)
    {
        Marshal.SetLastPInvokeError(error);
        return true;
    }

    public static byte* Map(int fd, long length, string path)
    {
        // Populated up front: one pass over the page tables instead of a fault on every page's first touch.
        nint address = mmap(0, (nuint)length, ProtReadWrite, MapShared | MapPopulate, fd, 0);
        if (address == -1)
        {
            throw new IOException($"Could not map shared object file '{path}' ({length} bytes): {Marshal.GetPInvokeErrorMessage(Error)}.");
        }

        return (byte*)address;
    }

    /// <summary>
    /// Faults in the pages of a fresh range in one system call before it is written (MADV_POPULATE_WRITE, Linux 5.14):
    /// a new 64 MiB array otherwise takes 16,384 page faults as it is first written, which cost three times the copy
    /// into it. (Huge pages would cost fewer faults, but may stall for compaction on a busy machine.) Only when the
    /// range is fresh: memory the GC reuses is resident already, and walking it again would cost more than it saves.
    /// Advice only: on an older kernel nothing changes.
    /// </summary>
    public static void Prefault(void* start, long length)
    {
        const long Page = 4096;
        long first = ((long)start + Page - 1) & ~(Page - 1);
        long end = ((long)start + length) & ~(Page - 1);
        byte resident = 0;
        long middle = first + (((end - first) / 2) & ~(Page - 1));
        if (end > first && mincore((nint)middle, (nuint)Page, &resident) == 0 && (resident & 1) == 0)
        {
            _ = madvise((nint)first, (nuint)(end - first), AdvisePopulateWrite);
        }
    }

    public static void Unmap(byte* address, long length) => _ = munmap((nint)address, (nuint)length);

    public static void Close(int fd) => _ = close(fd);

    /// <summary>Makes <paramref name="existing"/> visible as <paramref name="path"/> unless that name is taken (atomic, unlike rename).</summary>
    public static bool TryLink(string existing, string path) => link(existing, path) == 0;

    public static void Unlink(string path) => _ = unlink(path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags, int mode);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport("libc")]
    private static partial int posix_fallocate(int fd, long offset, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport("libc")]
    private static partial int mincore(nint address, nuint length, byte* vector);

    [LibraryImport("libc")]
    private static partial int madvise(nint address, nuint length, int advice);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int link(string existing, string path);

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlink(string path);
}
