using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>
/// A spin lock on a word in shared memory holding the holder's pid, for critical sections of a few stores. A holder
/// that died inside one is noticed (its pid is gone) and taken over, so a crash never wedges the word.
/// </summary>
internal static unsafe class ProcessSpinLock
{
    public static void Enter(int* word)
    {
        int me = Environment.ProcessId;
        var spinner = default(SpinWait);
        for (int spins = 1; ; spins++)
        {
            int holder = Interlocked.CompareExchange(ref *word, me, 0);
            if (holder == 0)
            {
                return;
            }

            if (spins % 256 == 0 && holder != me && !Native.ProcessAlive(holder) && Interlocked.CompareExchange(ref *word, me, holder) == holder)
            {
                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    public static void Exit(int* word) => Volatile.Write(ref *word, 0);
}
