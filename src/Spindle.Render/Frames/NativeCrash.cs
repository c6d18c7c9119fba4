using System.Runtime.InteropServices;

namespace Spindle.Render.Frames;

/// <summary>Crashes this process the way buggy native code does: a write through a bad pointer (SIGSEGV).</summary>
internal static partial class NativeCrash
{
    public static void Segfault()
    {
        // Inside libc, not managed code: the runtime cannot turn this into an exception, so the process dies.
        memset(16, 0, 64);

        // A fault is delivered synchronously; should the write ever not fault, the frame must still not render.
        Environment.FailFast("memset through a null pointer did not fault");
    }

    [LibraryImport("libc")]
    private static partial nint memset(nint destination, int value, nuint count);
}
