using Spindle;
using Spindle.Pools;

namespace Spindle.Tests.Support;

/// <summary>
/// Ending a pool in a test without ever hanging the suite: a pool that does not stop within
/// <see cref="Bounded.Unexpected"/> has its state written to the test's error, its worker processes killed and is
/// terminated, and the test fails loudly.
/// </summary>
internal static class BoundedPool
{
    /// <summary>Disposes <paramref name="pool"/> (drain), bounded; on a hang, dumps, kills and fails.</summary>
    public static async Task DisposeWithinAsync(this WorkerPool pool)
    {
        Task disposing = pool.DisposeAsync().AsTask();
        if (await Task.WhenAny(disposing, Task.Delay(Bounded.Unexpected)) == disposing)
        {
            await disposing;
            return;
        }

        string state = Describe(pool);
        KillWorkers(pool);
        await Task.WhenAny(pool.TerminateAsync(), Task.Delay(Bounded.Expected));
        throw new TimeoutException($"The pool did not stop within {Bounded.Unexpected.TotalSeconds} s; its workers were killed. {state}");
    }

    /// <summary>The pool's state in one line, for a test that failed while waiting on it.</summary>
    public static string Describe(WorkerPool pool) =>
        $"Pool '{pool.Name}' ({pool.Isolation}): state {pool.State}, {pool.QueueLength} queued, workers: " +
        string.Join("; ", pool.GetWorkers().Select(w => $"{w.Id} busy={w.Busy} calls={w.CallsDone}"));

    private static void KillWorkers(WorkerPool pool)
    {
        if (pool.Isolation != Isolation.Process)
        {
            return;
        }

        foreach (WorkerInfo worker in pool.GetWorkers())
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(worker.Id).Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // Already gone.
            }
        }
    }
}
