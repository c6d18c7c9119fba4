using System.Runtime.InteropServices;

namespace Spindle.Interop;

/// <summary>The few libc calls .NET does not expose.</summary>
internal static partial class Native
{
    private const int PrSetPdeathsig = 1;
    private const int SigKill = 9;
    private const int RlimitData = 2;

    public static bool IsLinux => OperatingSystem.IsLinux();

    /// <summary>Asks the kernel to SIGKILL this process when the thread that started it exits.</summary>
    public static void DieWithParent()
    {
        if (IsLinux)
        {
            _ = prctl(PrSetPdeathsig, SigKill, 0, 0, 0);
        }
    }

    /// <summary>Caps this process's data (private memory) with RLIMIT_DATA, soft and hard, so the kernel refuses more.</summary>
    public static void LimitMemory(long bytes)
    {
        if (IsLinux)
        {
            var limit = new RLimit { Current = (ulong)bytes, Maximum = (ulong)bytes };
            if (setrlimit(RlimitData, in limit) != 0)
            {
                throw new InvalidOperationException($"setrlimit(RLIMIT_DATA, {bytes}) failed with errno {Marshal.GetLastPInvokeError()}.");
            }
        }
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
