using Spindle.Pools;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

public class LargeArrayTests
{
    private const int Elements = 1 << 20; // 8 MiB of doubles, far over the smallest MaxMessageBytes

    [Fact]
    public async Task LargeArrayArgument_GoesThroughSharedMemory_PastTheChannelLimit_AndIsRemovedAfterTheCall()
    {
        double[] values = Enumerable.Range(0, Elements).Select(i => (double)i).ToArray();
        await using WorkerPool pool = TestPools.Process(configure: o => o.MaxMessageBytes = 4096);

        double sum = await pool.RunAsync(Sum, values).Within("the call with a large array");

        Assert.Equal(values.Sum(), sum);
        await Bounded.Eventually(() => HandoffFiles().Length == 0, "the call's shared memory is removed");
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

    private static string[] HandoffFiles() =>
        Directory.GetFiles(SegmentDirectory.Path, $"{ArrayHandoff.NamePrefix}-{Environment.ProcessId}-*");
}
