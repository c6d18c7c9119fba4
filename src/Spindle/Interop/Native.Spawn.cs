using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Interop;

/// <summary>
/// <c>posix_spawn</c>, process descriptors (<c>pidfd</c>) and reaping: what <see cref="SpawnedProcess"/> is made of.
/// .NET's <see cref="System.Diagnostics.Process"/> cannot hand a child chosen descriptors, start it in a process
/// group of its own, or report its exit without waiting for the end of its redirected output.
/// </summary>
internal static unsafe partial class Native
{
    private const int SpawnSetProcessGroup = 0x02;
    private const int SpawnSetSignalDefaults = 0x04;
    private const int SpawnSetSignalMask = 0x08;
    private const int OpenReadOnly = 0;
    private const int PidfdOpenSyscallNumber = 434;
    private const int PidfdSendSignalSyscallNumber = 424;
    private const int WaitIdByPidfd = 3;
    private const int WaitExited = 4;
    private const int WaitNoWait = 0x01000000;
    private const int ChildExited = 1;
    private const int FcntlDuplicateCloexec = 1030;
    private const int FcntlSetFlags = 2;
    private const int FcntlCloseOnExec = 1;
    private const int ErrnoInterrupted = 4;
    private const int ErrnoNoChild = 10;
    private const int ErrnoNoSuchProcess = 3;
    private const int LowestSafeDescriptor = 10;

    // glibc's posix_spawnattr_t is 336 bytes and posix_spawn_file_actions_t 80 on 64-bit Linux; sigset_t is 128.
    private const int SpawnStructBytes = 1024;
    private const int SignalSetBytes = 128;

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="arguments"/> and <paramref name="environment"/>: standard input
    /// from /dev/null, standard output shared with this process, each (descriptor, number) in <paramref name="descriptors"/>
    /// placed at that number in the child, every signal at its default and none blocked, in a process group of its own.
    /// </summary>
    public static int Spawn(string path, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string?>> environment, ReadOnlySpan<(int Descriptor, int Number)> descriptors)
    {
        var strings = new List<nint>();
        byte* actions = (byte*)NativeMemory.AllocZeroed(SpawnStructBytes);
        byte* attributes = (byte*)NativeMemory.AllocZeroed(SpawnStructBytes);
        byte* signalMask = (byte*)NativeMemory.AllocZeroed(SignalSetBytes);
        byte* signalDefaults = (byte*)NativeMemory.AllocZeroed(SignalSetBytes);
        var lifted = new List<int>();
        try
        {
            byte* file = Utf8(path, strings);
            byte** argv = StringArray([path, .. arguments], strings);
            byte** envp = StringArray([.. environment.Where(e => e.Value is not null).Select(e => $"{e.Key}={e.Value}")], strings);

            Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            Check(posix_spawn_file_actions_addopen(actions, 0, Utf8("/dev/null", strings), OpenReadOnly, 0), "posix_spawn_file_actions_addopen");
            foreach ((int descriptor, int number) in descriptors)
            {
                // A source below the targets could be overwritten by an earlier dup2 in the child: lift it out of the way.
                int source = descriptor;
                if (source < LowestSafeDescriptor)
                {
                    source = fcntl(descriptor, FcntlDuplicateCloexec, LowestSafeDescriptor);
                    CheckDescriptor(source, "fcntl(F_DUPFD_CLOEXEC)");
                    lifted.Add(source);
                }

                Check(posix_spawn_file_actions_adddup2(actions, source, number), "posix_spawn_file_actions_adddup2");
            }

            Check(posix_spawnattr_init(attributes), "posix_spawnattr_init");
            Check(posix_spawnattr_setflags(attributes, SpawnSetProcessGroup | SpawnSetSignalDefaults | SpawnSetSignalMask), "posix_spawnattr_setflags");
            Check(posix_spawnattr_setpgroup(attributes, 0), "posix_spawnattr_setpgroup");
            _ = sigemptyset(signalMask);
            _ = sigemptyset(signalDefaults);
            for (int signal = 1; signal < 32; signal++)
            {
                // This process ignores some signals (SIGPIPE): an ignored signal would stay ignored across exec.
                if (signal is not (9 or 19))
                {
                    _ = sigaddset(signalDefaults, signal);
                }
            }

            Check(posix_spawnattr_setsigmask(attributes, signalMask), "posix_spawnattr_setsigmask");
            Check(posix_spawnattr_setsigdefault(attributes, signalDefaults), "posix_spawnattr_setsigdefault");

            int pid;
            int error = posix_spawn(&pid, file, actions, attributes, argv, envp);
            if (error != 0)
            {
                throw new IOException($"posix_spawn of '{path}' failed: {Marshal.GetPInvokeErrorMessage(error)} (errno {error}).");
            }

            return pid;
        }
        finally
        {
            _ = posix_spawn_file_actions_destroy(actions);
            _ = posix_spawnattr_destroy(attributes);
            foreach (int fd in lifted)
            {
                _ = CloseDescriptor(fd);
            }

            foreach (nint s in strings)
            {
                NativeMemory.Free((void*)s);
            }

            NativeMemory.Free(actions);
            NativeMemory.Free(attributes);
            NativeMemory.Free(signalMask);
            NativeMemory.Free(signalDefaults);
        }
    }

    /// <summary>A pipe whose two ends are closed on exec; the caller passes one end to a child explicitly.</summary>
    public static (int Read, int Write) CreatePipe()
    {
        int* fds = stackalloc int[2];
        CheckDescriptor(pipe2(fds, SockCloexec), "pipe2");
        return (fds[0], fds[1]);
    }

    /// <summary>Marks a descriptor close-on-exec, so programs this process starts do not inherit it.</summary>
    public static void CloseOnExec(int fd) => CheckDescriptor(fcntl(fd, FcntlSetFlags, FcntlCloseOnExec), "fcntl(F_SETFD)");

    /// <summary>A process descriptor for <paramref name="pid"/> (Linux 5.3+; waiting on it with waitid needs 5.4): it cannot come to mean another process.</summary>
    public static int OpenProcessDescriptor(int pid)
    {
        int fd = (int)syscall(PidfdOpenSyscallNumber, pid, 0);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw errno == 38
                ? new PlatformNotSupportedException("Spindle's worker processes need Linux 5.4 or later (pidfd_open, and waitid on a pidfd).")
                : new IOException($"pidfd_open({pid}) failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }

        return fd;
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1: forever) for the process behind <paramref name="pidfd"/> to end.</summary>
    public static bool WaitForProcessExit(int pidfd, int timeoutMs)
    {
        var entry = new PollEntry { Descriptor = pidfd, Events = 1 };
        while (true)
        {
            int ready = poll(&entry, 1, timeoutMs);
            if (ready >= 0)
            {
                return ready > 0;
            }

            if (Marshal.GetLastPInvokeError() != ErrnoInterrupted)
            {
                throw new IOException($"poll on a process descriptor failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
    }

    /// <summary>Waits for child <paramref name="pid"/> to end and reaps it (for a child that has no process descriptor).</summary>
    public static void ReapByPid(int pid)
    {
        while (waitpid(pid, null, 0) < 0 && Marshal.GetLastPInvokeError() == ErrnoInterrupted)
        {
        }
    }

    /// <summary>Sends <paramref name="signal"/> through a process descriptor: never to a process that reused the pid.</summary>
    public static void SignalProcess(int pidfd, int signal) => _ = syscall(PidfdSendSignalSyscallNumber, pidfd, signal, 0, 0);

    /// <summary>Sends <paramref name="signal"/> to every process in process group <paramref name="group"/>; false if the group is empty.</summary>
    public static bool SignalProcessGroup(int group, int signal) => kill(-group, signal) == 0 || Marshal.GetLastPInvokeError() != ErrnoNoSuchProcess;

    /// <summary>
    /// Reaps the ended process behind <paramref name="pidfd"/>, or only reads how it ended when <paramref name="reap"/> is
    /// false (the zombie then keeps its pid, and so its process group's id, from being reused). Returns the exit code
    /// the way .NET reports it (128 + n for signal n), or null if someone else reaped it.
    /// </summary>
    public static int? ProcessExitCode(int pidfd, bool reap)
    {
        var info = default(SignalInfo);
        while (waitid(WaitIdByPidfd, pidfd, &info, WaitExited | (reap ? 0 : WaitNoWait)) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            if (errno == ErrnoNoChild)
            {
                return null;
            }

            if (errno != ErrnoInterrupted)
            {
                throw new IOException($"waitid on a process descriptor failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
            }
        }

        return info.Code == ChildExited ? info.Status : 128 + info.Status;
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(error)} (errno {error}).");
        }
    }

    private static void CheckDescriptor(int result, string call)
    {
        if (result < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
    }

    private static byte* Utf8(string value, List<nint> owned)
    {
        int length = Encoding.UTF8.GetByteCount(value);
        byte* bytes = (byte*)NativeMemory.Alloc((nuint)length + 1);
        owned.Add((nint)bytes);
        Encoding.UTF8.GetBytes(value, new Span<byte>(bytes, length));
        bytes[length] = 0;
        return bytes;
    }

    private static byte** StringArray(IReadOnlyList<string> values, List<nint> owned)
    {
        byte** array = (byte**)NativeMemory.Alloc((nuint)(values.Count + 1), (nuint)sizeof(nint));
        owned.Add((nint)array);
        for (int i = 0; i < values.Count; i++)
        {
            array[i] = Utf8(values[i], owned);
        }

        array[values.Count] = null;
        return array;
    }

    private struct PollEntry
    {
        public int Descriptor;
        public short Events;
        public short Returned;
    }

    /// <summary>The head of siginfo_t as waitid fills it for a child (128 bytes in all).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct SignalInfo
    {
        [FieldOffset(8)]
        public int Code;

        [FieldOffset(24)]
        public int Status;
    }

    [LibraryImport("libc")]
    private static partial int posix_spawn(int* pid, byte* path, byte* fileActions, byte* attributes, byte** argv, byte** envp);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_init(byte* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_destroy(byte* actions);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_addopen(byte* actions, int fd, byte* path, int flags, uint mode);

    [LibraryImport("libc")]
    private static partial int posix_spawn_file_actions_adddup2(byte* actions, int fd, int newFd);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_init(byte* attributes);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_destroy(byte* attributes);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setflags(byte* attributes, short flags);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setpgroup(byte* attributes, int group);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigmask(byte* attributes, byte* mask);

    [LibraryImport("libc")]
    private static partial int posix_spawnattr_setsigdefault(byte* attributes, byte* defaults);

    [LibraryImport("libc")]
    private static partial int sigemptyset(byte* set);

    [LibraryImport("libc")]
    private static partial int sigaddset(byte* set, int signal);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int pipe2(int* fds, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int fcntl(int fd, int command, int argument);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, int* status, int options);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int poll(PollEntry* entries, nuint count, int timeoutMs);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitid(int idType, int id, SignalInfo* info, int options);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint syscall(nint number, nint a1, nint a2);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint syscall(nint number, nint a1, nint a2, nint a3, nint a4);
}
