using Spindle.Lab.Experiments;
using Spindle.Lab.Running;

namespace Spindle.Lab.Tests.Running;

/// <summary>The CPU scaling series stays within the time budget on machines with many cores: at most 64 cores and about 8 points.</summary>
public sealed class CpuScalingCountsTests
{
    private static readonly LabScale Full = new(Quick: false);
    private static readonly LabScale Quick = new(Quick: true);

    [Fact]
    public void SmallMachine_EveryCountUpToTwiceTheCores() => Assert.Equal([1, 2, 3, 4], CpuScalingExperiment.Counts(Full, 2));

    [Fact]
    public void SixCores_PowersOfTwoThenTheCoresAndTwice() => Assert.Equal([1, 2, 4, 6, 12], CpuScalingExperiment.Counts(Full, 6));

    [Fact]
    public void SixtyFourCores_EightPoints() => Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128], CpuScalingExperiment.Counts(Full, 64));

    [Theory]
    [InlineData(96)]
    [InlineData(256)]
    public void MoreThanSixtyFourCores_CappedAtSixtyFour_WithoutTheOversubscribedPoint(int cores)
    {
        Assert.Equal([1, 2, 4, 8, 16, 32, 64], CpuScalingExperiment.Counts(Full, cores));
        Assert.Equal([1, 64], CpuScalingExperiment.Counts(Quick, cores));
        Assert.Contains($"capped at 64 of the {cores} cores", CpuScalingExperiment.CountsRule(Full, cores), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(48)]
    [InlineData(64)]
    [InlineData(1024)]
    public void AnyMachine_AtMostEightPoints_StartingAtOne_Ascending(int cores)
    {
        foreach (LabScale scale in new[] { Full, Quick })
        {
            int[] counts = CpuScalingExperiment.Counts(scale, cores);
            Assert.True(counts.Length <= 8, $"{cores} cores: {counts.Length} points");
            Assert.Equal(1, counts[0]);
            Assert.Equal(counts.Order(), counts);
            Assert.Equal(counts.Distinct().Count(), counts.Length);
            Assert.Contains(Math.Min(cores, 64), counts);
            Assert.True(counts.Max() <= 128);
        }
    }
}
