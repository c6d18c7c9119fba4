using System.Runtime.InteropServices;

namespace Spindle.Lab.Os;

/// <summary>posix_spawn + waitpid: starting a program with libc alone, without .NET's Process class in the way.</summary>
internal static unsafe partial class Spawn
{
    private const int NoChildErrno = 10;
    private const int InterruptedErrno = 4;

    /// <summary>Starts <paramref name="program"/> with no arguments and waits for it to exit.</summary>
    public static void RunToExit(string program)
    {
        nint path = Marshal.StringToCoTaskMemUTF8(program);
        try
        {
            nint* argv = stackalloc nint[2];
            argv[0] = path;
            argv[1] = 0;
            nint* envp = stackalloc nint[1];
            envp[0] = 0;
            int pid;
            int error = posix_spawn(&pid, path, null, null, argv, envp);
            if (error != 0)
            {
                throw new IOException($"posix_spawn({program}) failed with errno {error}.");
            }

            int status;
            while (waitpid(pid, &status, 0) < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == NoChildErrno)
                {
                    return; // the runtime's SIGCHLD handling reaped it first: it has exited either way
                }

                if (errno != InterruptedErrno)
                {
                    throw new IOException($"waitpid({pid}) failed with errno {errno}.");
                }
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
        }
    }

    [LibraryImport("libc")]
    private static partial int posix_spawn(int* pid, nint path, void* fileActions, void* attributes, nint* argv, nint* envp);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int waitpid(int pid, int* status, int options);
}
