using Spindle.Lab.Model;
using Spindle.Lab.Running;

namespace Spindle.Lab.Tests.Running;

public sealed class ExperimentSelectionTests
{
    [Fact]
    public void Select_CommaListsAndRepeats_PickThoseInRunOrder()
    {
        IReadOnlyList<IExperiment> picked = ExperimentCatalog.Select(["isolation, memory", "Creation"]);
        Assert.Equal(["creation", "memory", "isolation"], picked.Select(e => e.Name));
    }

    [Fact]
    public void Select_Nothing_PicksAll() => Assert.Equal(LabRunner.ExperimentNames, ExperimentCatalog.Select([]).Select(e => e.Name));

    [Theory]
    [InlineData("")]
    [InlineData(",")]
    [InlineData(" , ")]
    public void Select_OptionGivenButNamingNothing_IsRefusedNamingTheOption(string only)
    {
        // An empty shell variable (--only "$X") used to start the whole lab.
        ArgumentException e = Assert.Throws<ArgumentException>(() => ExperimentCatalog.Select([only]));
        Assert.Equal("--only", e.ParamName);
        Assert.Contains("names no experiment", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Select_UnknownName_ThrowsNamingOptionAndValidNames()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => ExperimentCatalog.Select(["memory,nope"]));
        Assert.Equal("--only", e.ParamName);
        Assert.Contains("'nope'", e.Message, StringComparison.Ordinal);
        Assert.Contains(string.Join(", ", LabRunner.ExperimentNames), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Median_OddAndEvenCounts()
    {
        Assert.Equal(2, Measurement.MedianOf([3, 1, 2]));
        Assert.Equal(2.5, Measurement.MedianOf([4, 1, 3, 2]));
        Assert.Throws<ArgumentException>(() => Measurement.MedianOf([]));
    }
}
