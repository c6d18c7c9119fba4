using System.Diagnostics;
using Spindle;
using Spindle.CrossMemory;
using Spindle.Interop;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

// Alone: these tests count files in the shared-memory directory, and pinned arguments, that other tests' pools also use.
[Collection(SerialCollection.Name)]
public class CrossMemoryTests
{
    private const int Elements = 1 << 20; // 8 MiB of doubles, over the default SharedMemoryThreshold

    private static string TestParent => Path.Combine(AppContext.BaseDirectory, "Spindle.TestParent.dll");

    [Fact]
    public async Task LargeArrays_CrossBothWays_WithoutSharedMemory_AndNothingStaysPinned()
    {
        // MaxMessageBytes of 4 KiB: 8 MiB can only cross another way; no segment on either side shows it was not shared memory.
        await using WorkerPool pool = TestPools.Process(configure: o => o.MaxMessageBytes = 4096);
        await pool.WarmUpAsync().Within("the worker to start (the pool finds then whether it may copy)");
        Assert.True(CrossMemoryNative.MayCopyWith(pool.GetWorkers().Single().Id), "this machine refuses process_vm_writev to a child: the road cannot be tested here");
        int worker = pool.GetWorkers().Single().Id;
        double[] values = [.. Enumerable.Range(0, Elements).Select(i => (double)i)];
        for (int round = 0; round < 3; round++)
        {
            values[round] = -round;
            double[] back = await pool.RunAsync(Negate, values).Within("a round trip of a large array");
            Assert.Equal(values.Length, back.Length);
            Assert.Equal(-values[round], back[round]);
            Assert.Equal(-values[^1], back[^1]);
            Assert.Equal(-values.Sum(), back.Sum());
        }

        Assert.Empty(SharedSegments.HeldBy(Environment.ProcessId));
        Assert.Empty(SharedSegments.HeldBy(worker));
        Assert.Empty(SharedSegments.MappedBy(Environment.ProcessId));
        Assert.Equal(0, PinnedArguments.Count);
    }

    [Fact]
    public async Task WithCrossMemoryOff_LargeArraysTakeSharedMemory_AndArriveIntact()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.CrossMemoryCopy = false; });
        await pool.WarmUpAsync().Within("the worker to start");
        double[] values = [.. Enumerable.Range(0, Elements).Select(i => (double)i)];
        double[] back = await pool.RunAsync(Negate, values).Within("a round trip through shared memory");
        Assert.Equal(-values.Sum(), back.Sum());
        Assert.Single(SharedSegments.HeldBy(Environment.ProcessId)); // the argument's handoff segment
        Assert.Single(SharedSegments.HeldBy(pool.GetWorkers().Single().Id)); // the result's slot
        Assert.Equal(0, PinnedArguments.Count);
    }

    [Fact]
    public async Task MemoryArguments_AndStructArrays_StillArriveIntact()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.SharedMemoryThreshold = 1024);
        await pool.WarmUpAsync().Within("the worker to start");
        var points = Enumerable.Range(0, 5000).Select(i => new Point(i, -i)).ToArray();
        Point[] back = await pool.RunAsync(Swap, points).Within("a struct array both ways");
        Assert.Equal(points.Select(p => new Point(p.Y, p.X)), back);
        ReadOnlyMemory<double> memory = new double[Elements / 4].AsMemory(8);
        Assert.Equal(memory.Length, await pool.RunAsync((ReadOnlyMemory<double> m) => m.Length, memory).Within("a memory argument (a view over shared pages)"));
        Assert.Equal(0, PinnedArguments.Count);
    }

    [Fact]
    public async Task WorkerKilledMidCopy_EachCallEndsCleanly_NothingStaysPinned_AndThePoolServesOn()
    {
        // 64 MiB each way, the worker SIGKILLed at a different moment of each call: before, during or after a copy.
        await using WorkerPool pool = TestPools.Process(configure: o => o.RetriesOnCrash = 0);
        await pool.WarmUpAsync().Within("the worker to start");
        double[] values = new double[8 * Elements];
        values[^1] = 7;
        int completed = 0, crashed = 0, unreadable = 0;
        for (int round = 0; round < 12; round++)
        {
            int worker = pool.GetWorkers().Single().Id;
            Task<double[]> call = pool.RunAsync(Negate, values);
            await Task.Delay(round * 3);
            Process.GetProcessById(worker).Kill();
            try
            {
                double[] back = await call.Within("a call whose worker was killed");
                Assert.Equal(-7, back[^1]);
                completed++;
            }
            catch (WorkerCrashedException)
            {
                crashed++;
            }
            catch (SpindleException e) when (e.Message.Contains("could not be read", StringComparison.Ordinal))
            {
                // Killed while the parent copied its result out: the result is lost, the call fails, nothing else.
                unreadable++;
            }

            await Bounded.Eventually(() => PinnedArguments.Count == 0, $"round {round}: the argument to be let go once its call ended");
            await Bounded.Eventually(() => pool.GetWorkers().Count == 1 && pool.GetWorkers()[0].Id != worker, "the killed worker's replacement");
        }

        Assert.Equal(12, completed + crashed + unreadable);
        Assert.Equal(-7, (await pool.RunAsync(Negate, values).Within("a call after the kills"))[^1]);
        Assert.Empty(SharedSegments.HeldBy(Environment.ProcessId));
        Assert.Equal(0, PinnedArguments.Count);
    }

    [Fact]
    public async Task ParentKilledMidCopy_ItsWorkerExits()
    {
        // The parent floods its worker with 4 MiB arrays both ways (the cross-memory road: nothing in shared memory).
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(TestParent);
        start.ArgumentList.Add("large-flood");
        using Process parent = Process.Start(start)!;
        try
        {
            string? line = await parent.StandardOutput.ReadLineAsync().Within("the parent's and its worker's pids");
            int[] pids = [.. line!["pids ".Length..].Split(' ').Select(int.Parse)];
            Assert.Empty(SharedSegments.HeldBy(pids[1]));
            parent.Kill(); // SIGKILL while the worker waits for a fill, or for its result to be read
            await parent.WaitForExitAsync().Within("the killed parent to be gone");
            await Bounded.Eventually(() => !Native.ProcessAlive(pids[1]), "the worker of the killed parent to exit");
        }
        finally
        {
            if (!parent.HasExited)
            {
                parent.Kill();
            }
        }
    }

    private static double[] Negate(double[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = -values[i];
        }

        return values;
    }

    private static Point[] Swap(Point[] points) => [.. points.Select(p => new Point(p.Y, p.X))];

    public readonly record struct Point(int X, int Y);
}
