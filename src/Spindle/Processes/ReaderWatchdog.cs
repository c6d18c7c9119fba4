using System.Collections.Concurrent;
using System.Diagnostics;

namespace Spindle.Processes;

/// <summary>
/// Keeps worker reader threads free to read. A reader may complete a lone call right where it read the result, so
/// the caller's continuation runs at once instead of waiting for a thread-pool thread to wake; but that code is the
/// caller's and may block (even on another call's result, which only this reader could read). This watchdog looks
/// every 2 ms while readers run callers' code, and gives the reading to a new thread when one has been away that
/// long. It sleeps for good once no reader has run callers' code for 100 ms.
/// </summary>
internal static class ReaderWatchdog
{
    /// <summary>How long a reader may run callers' code before another thread takes over its reading: 2 ms.</summary>
    public static readonly long StuckTicks = Stopwatch.Frequency / 500;

    private static readonly long IdleTicks = Stopwatch.Frequency / 10;
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(2);
    private static readonly ConcurrentDictionary<ChildWorker, byte> Watched = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static long _lastUse;
    private static int _active;
    private static int _started;

    /// <summary>Called by a reader about to run callers' code: makes sure someone is watching.</summary>
    public static void Watch(ChildWorker worker)
    {
        Volatile.Write(ref _lastUse, Stopwatch.GetTimestamp());
        if (!Watched.ContainsKey(worker))
        {
            Watched.TryAdd(worker, 0);
        }

        if (Volatile.Read(ref _active) == 0 && Interlocked.Exchange(ref _active, 1) == 0)
        {
            if (Interlocked.Exchange(ref _started, 1) == 0)
            {
                new Thread(Run) { IsBackground = true, Name = "Spindle reader watchdog" }.Start();
            }
            else
            {
                Wake.Release();
            }
        }
    }

    /// <summary>Stops watching a worker that is gone.</summary>
    public static void Forget(ChildWorker worker) => Watched.TryRemove(worker, out _);

    private static void Run()
    {
        while (true)
        {
            Wake.Wait(Period);
            long now = Stopwatch.GetTimestamp();
            foreach (ChildWorker worker in Watched.Keys)
            {
                worker.TakeOverReadingIfStuck(now);
            }

            if (now - Volatile.Read(ref _lastUse) > IdleTicks)
            {
                // Nobody has run callers' code for a while: sleep until someone does. Look once more after standing
                // down, in case a reader arrived in between (it saw this watchdog still active and did not wake it).
                Volatile.Write(ref _active, 0);
                if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastUse) > IdleTicks || Interlocked.Exchange(ref _active, 1) == 1)
                {
                    Wake.Wait();
                }
            }
        }
    }
}
