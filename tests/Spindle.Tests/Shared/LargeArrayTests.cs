using Spindle;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

// Alone: any pool disposed elsewhere in this process clears the segment cache these tests observe.
[Collection(SerialCollection.Name)]
public class LargeArrayTests
{
    private const int Elements = 1 << 20; // 8 MiB of doubles, far over the smallest MaxMessageBytes

    [Fact]
    public async Task LargeArrayArgument_GoesThroughSharedMemory_PastTheChannelLimit_AndItsSegmentIsReusedThenRemoved()
    {
        double[] values = Enumerable.Range(0, Elements).Select(i => (double)i).ToArray();
        // The shared-memory road, as where the system refuses cross-memory copies (CrossMemoryTests covers that road).
        WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.CrossMemoryCopy = false; });
        await using (pool)
        {
            Assert.Equal(values.Sum(), await pool.RunAsync(Sum, values).Within("the call with a large array"));
            string[] used = SharedSegments.HeldBy(Environment.ProcessId);
            Assert.Single(used);

            values[^1] = -1;
            Assert.Equal(values.Sum(), await pool.RunAsync(Sum, values).Within("a second call, reusing the segment"));
            Assert.Equal(used, SharedSegments.HeldBy(Environment.ProcessId));
        }

        Assert.Empty(SharedSegments.HeldBy(Environment.ProcessId));
        Assert.Empty(SharedSegments.MappedBy(Environment.ProcessId));
    }

    [Fact]
    public async Task ResultOfMoreThan2GiB_OnTheSharedMemoryRoad_ArrivesWhole()
    {
        // 537 M ints: 2,148,000,000 bytes, more than a span's length can say. Before, such a result ended the caller's
        // process (an OverflowException on the pool's reader thread). An argument that large failed in the worker the
        // same way (the same copy, UnmanagedBlock.Copy); it is not sent here too, to keep the test's time down.
        const int Count = 537_000_000;
        WorkerPool pool = TestPools.Process(configure: o => o.CrossMemoryCopy = false);
        await using (pool)
        {
            int[] made = await pool.RunAsync(static (int n) =>
            {
                int[] a = GC.AllocateUninitializedArray<int>(n);
                a[0] = 7;
                a[n / 2] = 8;
                a[^1] = 9;
                return a;
            }, Count).Within("a result of 2.1 GB");
            Assert.Equal((Count, 7, 8, 9), (made.Length, made[0], made[Count / 2], made[^1]));
        }

        Assert.Empty(SharedSegments.HeldBy(Environment.ProcessId));
    }

    [Fact]
    public async Task MoreLargeMemoryArgumentsThanTheWorkerKeepsMapped_AreAllReadableThroughoutTheCall()
    {
        // Each a view over a segment the worker maps; it keeps four mappings, and the fifth argument's used to drop the
        // first argument's while the call was still being read (ObjectDisposedException in the worker).
        ReadOnlyMemory<byte>[] values = Enumerable.Range(1, 6).Select(i => (ReadOnlyMemory<byte>)Enumerable.Repeat((byte)i, 2 << 20).ToArray()).ToArray();
        (ReadOnlyMemory<byte> m0, ReadOnlyMemory<byte> m1, ReadOnlyMemory<byte> m2, ReadOnlyMemory<byte> m3, ReadOnlyMemory<byte> m4, ReadOnlyMemory<byte> m5) =
            (values[0], values[1], values[2], values[3], values[4], values[5]);
        await using WorkerPool pool = TestPools.Process(configure: o => o.SharedMemoryThreshold = 1 << 20);
        for (int call = 0; call < 3; call++)
        {
            Assert.Equal("1,2,3,4,5,6", await pool.RunAsync(() => string.Join(',', new[] { m0, m1, m2, m3, m4, m5 }.Select(m => m.Span[0] + m.Span[^1] - m.Span[m.Length / 2])))
                .Within($"call {call} with six large views"));
        }
    }

    [Fact]
    public async Task LargeArrayArgument_WithThresholdOff_GoesOverTheChannel()
    {
        double[] values = new double[Elements];
        await using WorkerPool pool = TestPools.Process(configure: o => { o.MaxMessageBytes = 4096; o.SharedMemoryThreshold = null; });
        var error = await Assert.ThrowsAsync<ArgumentException>(() => pool.RunAsync(Sum, values));
        Assert.Contains("MaxMessageBytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ArraysBelowTheThreshold_AndStructArrays_ArriveIntact()
    {
        await using WorkerPool pool = TestPools.Process(configure: o => o.SharedMemoryThreshold = 1024);
        var points = Enumerable.Range(0, 5000).Select(i => new Point(i, -i)).ToArray();
        Assert.Equal(points.Select(p => (long)p.X - p.Y).Sum(), await pool.RunAsync(Spread, points).Within("struct array call"));
        Assert.Equal(6, await pool.RunAsync(Length, new byte[6]).Within("small array call"));
    }

    [Fact]
    public void Threshold_NotPositive_IsRefusedNamingTheOption()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new WorkerPoolOptions { SharedMemoryThreshold = 0 });
        Assert.Equal(nameof(WorkerPoolOptions.SharedMemoryThreshold), error.ParamName);
        Assert.Equal(1 << 20, new WorkerPoolOptions().SharedMemoryThreshold);
    }

    public readonly record struct Point(int X, int Y);

    private static double Sum(double[] values) => values.Sum();

    private static long Spread(Point[] points) => points.Select(p => (long)p.X - p.Y).Sum();

    private static int Length(byte[] bytes) => bytes.Length;
}
