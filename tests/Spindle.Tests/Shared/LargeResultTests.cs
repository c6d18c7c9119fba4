using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

// Alone: these tests count files in the shared-memory directory that other tests' pools also create and remove.
[Collection(SerialCollection.Name)]
public class LargeResultTests
{
    private const int Elements = 1 << 20; // 8 MiB of doubles, far over MaxMessageBytes below

    [Fact]
    public async Task LargeResult_ComesBackThroughTheWorkersSlot_ReusedAcrossCalls_AndRemovedWithThePool()
    {
        // MaxMessageBytes of 4 KiB: an 8 MiB result can only come back through shared memory.
        WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.SharedMemoryThreshold = 1024; o.CrossMemoryCopy = false; });
        int worker;
        await using (pool)
        {
            for (int round = 0; round < 3; round++)
            {
                double[] back = await pool.RunAsync(Fill, Elements, round).Within("a call with a large result");
                AssertFilled(back, Elements, round);
            }

            worker = pool.GetWorkers().Single().Id;
            Assert.Single(SharedSegments.HeldBy(worker));
            Assert.Single(SharedSegments.MappedBy(Environment.ProcessId));
        }

        Assert.Empty(SharedSegments.MappedBy(Environment.ProcessId));
        Assert.Empty(SharedSegments.NamedFor(worker));
    }

    [Fact]
    public async Task LargeResults_OfCallsSentAhead_EachArriveIntact()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.SharedMemoryThreshold = 1024; o.PipelineWindow = Timeout.InfiniteTimeSpan; o.CrossMemoryCopy = false; });
        Task<double[]>[] calls = [.. Enumerable.Range(0, 12).Select(i => pool.RunAsync(Fill, 100_000 + i, i))];
        double[][] results = await Task.WhenAll(calls).Within("pipelined calls with large results");
        for (int i = 0; i < results.Length; i++)
        {
            AssertFilled(results[i], 100_000 + i, i);
        }

        Assert.InRange(SharedSegments.HeldBy(pool.GetWorkers().Single().Id).Length, 1, ResultArena.MaxSlots);
    }

    [Fact]
    public async Task WorkerKilledMidTransfer_LeavesNoSegmentOfItsOwnBehind()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => { o.SharedMemoryThreshold = 1024; o.RetriesOnCrash = 0; o.PipelineWindow = Timeout.InfiniteTimeSpan; o.CrossMemoryCopy = false; });
        AssertFilled(await pool.RunAsync(Fill, Elements, 1).Within("a first large result"), Elements, 1);
        int worker = pool.GetWorkers().Single().Id;
        Assert.NotEmpty(SharedSegments.HeldBy(worker));

        // Large results keep coming while the worker dies: some land in its slots, some are being written or read.
        Task<double[]>[] calls = [.. Enumerable.Range(0, 6).Select(i => pool.RunAsync(Fill, 4 * Elements, i))];
        await calls[0].Within("the first of the flood");
        string[] slots = SharedSegments.HeldBy(worker);
        System.Diagnostics.Process.GetProcessById(worker).Kill(); // SIGKILL
        foreach (Task<double[]> call in calls[1..])
        {
            try
            {
                await call.Within("a call of the killed worker");
            }
            catch (WorkerCrashedException)
            {
                // Expected for the calls the worker held when it died.
            }
            catch (SpindleException e) when (e.Message.Contains("could not be read", StringComparison.Ordinal))
            {
                // A result the worker sent just before it died, read after: its slot went with the worker.
            }
        }

        // The calls fail after the parent has let go of the worker's slots, so no wait is needed here: the slots are
        // anonymous, so once nobody maps them their pages are gone, and the worker named nothing in the directory.
        Assert.Empty(SharedSegments.MappedBy(Environment.ProcessId).Intersect(slots));
        Assert.Empty(SharedSegments.NamedFor(worker));
    }

    [Fact]
    public async Task LargeResult_WithSharedMemoryOff_IsRefusedNamingMaxMessageBytes_AndTheWorkerServesOn()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.SharedMemoryThreshold = null; });
        var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(Fill, Elements, 0).Within("a result over the limit"));
        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, (await pool.RunAsync(Fill, 3, 0).Within("a small result after it")).Length);
    }

    private static double[] Fill(int length, int seed)
    {
        double[] values = new double[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (i * 0.5) + seed;
        }

        return values;
    }

    private static void AssertFilled(double[] values, int length, int seed)
    {
        Assert.Equal(length, values.Length);
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] != (i * 0.5) + seed)
            {
                Assert.Fail($"Element {i} is {values[i]}, expected {(i * 0.5) + seed}.");
            }
        }
    }
}
