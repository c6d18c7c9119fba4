using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>The few libc calls .NET does not expose.</summary>
internal static partial class Native
{
    private const int PrSetPdeathsig = 1;
    private const int SigKill = 9;
    private const int RlimitData = 2;

    /// <summary>
    /// Eight threads' stacks, for the threads a worker starts after its limit is set (its control loop, the thread
    /// pool's). Without them, a worker with a limit of a few MiB was stopped in 4 of 10 runs by RLIMIT_DATA, its heap not full.
    /// </summary>
    private const ulong ThreadStacksRoom = 64UL << 20;

    public static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>Asks the kernel to SIGKILL this process when the thread that started it exits.</summary>
    public static void DieWithParent()
    {
        if (IsLinux)
        {
            _ = prctl(PrSetPdeathsig, SigKill, 0, 0, 0);
        }
    }

    /// <summary>
    /// The operating system's backstop under a worker's MemoryLimit, for memory the GC's hard limit does not see (native
    /// code's, thread stacks): RLIMIT_DATA, soft and hard, at the data this process has mapped so far plus twice
    /// <paramref name="bytes"/> plus <see cref="ThreadStacksRoom"/>. RLIMIT_DATA counts writable address space mapped, not
    /// memory used: each thread's stack maps 8 MiB however little of it is touched, and a worker's own threads map 72 MiB
    /// while it uses about 3 MiB. Capped at the limit itself, it would stop workers that use a fraction of it; this way the
    /// managed heap's limit is the one a call meets, and runaway native memory still stops.
    /// </summary>
    public static void LimitMemory(long bytes)
    {
        if (IsLinux)
        {
            ulong limit = (ulong)bytes;
            ulong room = limit > (ulong.MaxValue - ThreadStacksRoom) / 2 ? ulong.MaxValue : (2 * limit) + ThreadStacksRoom;
            ulong mapped = MappedDataBytes();
            ulong cap = mapped > ulong.MaxValue - room ? ulong.MaxValue : mapped + room;
            var rlimit = new RLimit { Current = cap, Maximum = cap };
            if (setrlimit(RlimitData, in rlimit) != 0)
            {
                throw new InvalidOperationException($"setrlimit(RLIMIT_DATA, {cap}) failed with errno {Marshal.GetLastPInvokeError()}.");
            }
        }
    }

    /// <summary>
    /// The VmData line of /proc/self/status (kB): what RLIMIT_DATA is compared with. Parsed by hand, as a worker's first
    /// use of any culture costs it milliseconds of its start.
    /// </summary>
    private static ulong MappedDataBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmData:", StringComparison.Ordinal))
            {
                ulong kilobytes = 0;
                foreach (char c in line.AsSpan("VmData:".Length))
                {
                    if (c is >= '0' and <= '9')
                    {
                        kilobytes = (kilobytes * 10) + (ulong)(c - '0');
                    }
                }

                return kilobytes * 1024;
            }
        }

        return 0;
    }

    public static int ParentProcessId() => OperatingSystem.IsWindows() ? -1 : getppid();

    public static uint EffectiveUserId() => OperatingSystem.IsWindows() ? 0 : geteuid();

    /// <summary>Leaves at once: no finalizers, no handlers — for a worker whose parent is gone.</summary>
    public static void ExitNow(int code)
    {
        if (!OperatingSystem.IsWindows())
        {
            _exit(code);
        }

        Environment.Exit(code);
    }

    /// <summary>
    /// Whether a process with this pid is alive. A zombie (dead, not yet reaped by its parent) is not: it will never
    /// clean up after itself. Where /proc is missing, signal 0 probes without sending anything.
    /// </summary>
    public static bool ProcessAlive(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            return true;
        }

        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..] is not ['Z' or 'X', ..];
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (IOException)
        {
            return kill(pid, 0) == 0 || Marshal.GetLastPInvokeError() == 1 /* EPERM: exists, not ours */;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5);

    [LibraryImport("libc")]
    private static partial int getppid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);

    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc")]
    private static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void _exit(int code);
}
