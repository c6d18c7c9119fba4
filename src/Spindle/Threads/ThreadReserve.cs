using Spindle;
using Spindle.Pools;

namespace Spindle.Threads;

/// <summary>
/// Keeps enough .NET thread-pool threads ready for thread-isolated pools. Calls may block, and the thread pool adds
/// threads slowly past its minimum, so the minimum is raised to the largest pool's <see cref="WorkerPoolOptions.Workers"/>
/// (otherwise N blocking calls would start one by one), plus one for every thread still blocked in an abandoned call
/// (otherwise the worker that replaced it would wait for a thread). The minimum is never lowered below what it was
/// before, nor below one someone else has set since.
/// </summary>
internal static class ThreadReserve
{
    private static readonly Lock Gate = new();
    private static int _poolWorkers;
    private static int _abandoned;
    private static int _setByUs;
    private static int _floor;

    /// <summary>A thread-isolated pool of <paramref name="workers"/> workers is starting a worker.</summary>
    public static void EnsureThreadsFor(int workers)
    {
        if (workers <= Volatile.Read(ref _poolWorkers))
        {
            return;
        }

        lock (Gate)
        {
            _poolWorkers = Math.Max(_poolWorkers, workers);
            Apply();
        }
    }

    /// <summary>A thread-pool thread is blocked in an abandoned call: keep one more ready in its place.</summary>
    public static void Hold()
    {
        lock (Gate)
        {
            _abandoned++;
            Apply();
        }
    }

    /// <summary>An abandoned call's thread came back.</summary>
    public static void Release()
    {
        lock (Gate)
        {
            _abandoned--;
            Apply();
        }
    }

    private static void Apply()
    {
        ThreadPool.GetMinThreads(out int worker, out int io);
        if (worker != _setByUs)
        {
            // The runtime's minimum, or one someone else has set: never go below it.
            _floor = worker;
        }

        int target = Math.Max(_floor, _poolWorkers + _abandoned);
        if (target != worker && ThreadPool.SetMinThreads(target, io))
        {
            _setByUs = target;
        }
    }
}
