using Spindle.Lab.Experiments.Switching;

namespace Spindle.Lab.Tests.Running;

/// <summary>The working set a context switch is measured with is really touched: every line, every time, proven by its checksum.</summary>
public sealed class WorkingSetTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(16 << 10)]
    [InlineData(4 << 20)]
    public void Touches_AddUpToTheExpectedChecksum(int bytes)
    {
        using var workingSet = new WorkingSet(bytes);
        for (int i = 0; i < 5; i++)
        {
            workingSet.Touch();
        }

        Assert.Equal(bytes / WorkingSet.LineBytes, workingSet.Lines);
        Assert.Equal(6, workingSet.Touches); // five and the one that faulted the pages in
        Assert.Equal(workingSet.Lines * 15L, workingSet.Checksum); // lines × (0 + 1 + … + 5)
        Assert.True(workingSet.TouchedEveryLine);
    }

    [Fact]
    public void ChecksumOfSkippedLines_DoesNotHold()
    {
        Assert.True(WorkingSet.ChecksumHolds(checksum: 256 * 3, lines: 256, touches: 3));
        Assert.False(WorkingSet.ChecksumHolds(checksum: 255 * 3, lines: 256, touches: 3));
    }
}
