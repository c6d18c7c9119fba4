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
