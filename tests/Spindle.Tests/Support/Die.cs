using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Spindle.Tests.Support;

/// <summary>Every way a worker process can die, for real: no mocks.</summary>
public enum DeathKind
{
    Sigkill,
    Segfault,
    FailFast,
    StackOverflow,
    EnvironmentExit,
    BackgroundThreadException,
}

/// <summary>Kills the current process the chosen way.</summary>
public static partial class Die
{
    public static void Now(DeathKind kind)
    {
        switch (kind)
        {
            case DeathKind.Sigkill:
                Process.GetCurrentProcess().Kill();
                break;
            case DeathKind.Segfault:
                // A write through a bad pointer inside native code: the runtime cannot turn it into an exception.
                memset(16, 0, 64);
                break;
            case DeathKind.FailFast:
                Environment.FailFast("test asked for FailFast");
                break;
            case DeathKind.StackOverflow:
                Recurse(0);
                break;
            case DeathKind.EnvironmentExit:
                Environment.Exit(7);
                break;
            case DeathKind.BackgroundThreadException:
                var thread = new Thread(() => throw new InvalidOperationException("unhandled on a background thread"));
                thread.Start();
                thread.Join();
                break;
        }

        // Some deaths take a moment to land; the call must not return meanwhile.
        Task.Delay(Timeout.Infinite).Wait();
    }

    private static int Recurse(int depth) => Recurse(depth + 1) + 1;

    [LibraryImport("libc")]
    private static partial nint memset(nint destination, int value, nuint count);
}
