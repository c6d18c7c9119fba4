using System.Diagnostics;
using Spindle.Interop;
using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>Many pool lifetimes under abuse leave nothing behind (runs alone: it counts the whole process's descriptors).</summary>
[Collection(SerialCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class PoolLifetimeLeakTests
{
    /// <summary>
    /// Pool lifetimes with a worker killed, a call in flight at disposal and a shared array passed by reference leave no
    /// descriptors, children or shared-memory files behind. CI runs 10 lifetimes; SPINDLE_LONG=1 runs 100.
    /// </summary>
    [Fact]
    public async Task PoolLifetimes_WithKillsInFlightDisposalAndSharedArrays_LeaveNothingBehind()
    {
        int lifetimes = Environment.GetEnvironmentVariable("SPINDLE_LONG") == "1" ? 100 : 10;
        await using (WorkerPool warm = TestPools.Process())
        {
            await warm.RunAsync(() => 1).Within("warm-up call");
        }

        int fdsBefore = OpenDescriptors.Count();
        var segmentsBefore = new HashSet<string>(Directory.GetFiles(SegmentDirectory.Path));
        var workers = new List<int>();
        for (int i = 0; i < lifetimes; i++)
        {
            WorkerPool pool = TestPools.Process(workers: 2, o => o.RetriesOnCrash = 1);
            using SharedArray<int> shared = SharedArray.Create<int>(1024);
            await pool.WarmUpAsync().Within("warm-up");
            workers.AddRange(pool.GetWorkers().Select(w => w.Id));
            Process.GetProcessById(workers[^1]).Kill();
            Assert.Equal(1024, await pool.RunAsync(a => a.Length, shared).Within("a call with a shared array"));
            _ = pool.RunAsync(() => { Thread.Sleep(50); return 0; });
            await pool.DisposeWithinAsync();
            workers.AddRange(pool.GetWorkers().Select(w => w.Id));
        }

        await Bounded.Eventually(() => OpenDescriptors.Count() <= fdsBefore, $"descriptors return to {fdsBefore} (now {OpenDescriptors.Count()})");
        await Bounded.Eventually(() => workers.All(pid => !Native.ProcessAlive(pid)), "every worker has exited");
        await Bounded.Eventually(
            () => Directory.GetFiles(SegmentDirectory.Path).All(segmentsBefore.Contains),
            "no shared-memory segment is left behind");
    }
}
