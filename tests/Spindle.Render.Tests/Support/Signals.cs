using System.Runtime.InteropServices;

namespace Spindle.Render.Tests.Support;

/// <summary>Sends a real signal to a process (or, with a negative id, to a process group), the way a terminal's Ctrl+C does.</summary>
internal static partial class Signals
{
    public const int Hangup = 1;

    public const int Interrupt = 2;

    public static void Send(int processId, int signal)
    {
        if (kill(processId, signal) != 0)
        {
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
