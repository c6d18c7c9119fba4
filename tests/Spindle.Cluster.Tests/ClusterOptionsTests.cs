namespace Spindle.Cluster.Tests;

/// <summary>The waits of <see cref="ClusterOptions"/> checked where they are set, naming the option.</summary>
public sealed class ClusterOptionsTests
{
    public static TheoryData<TimeSpan> TooLong => new() { TimeSpan.FromDays(1) + TimeSpan.FromTicks(1), TimeSpan.FromDays(100), TimeSpan.MaxValue };

    [Theory]
    [MemberData(nameof(TooLong))]
    public void ConnectTimeout_LongerThanADay_IsRefusedNamingIt(TimeSpan value)
    {
        // Accepted, it failed only when the pool was created, in CancellationTokenSource.CancelAfter ("Parameter 'delay'").
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterOptions { ConnectTimeout = value });

        Assert.Equal("ConnectTimeout", error.ParamName);
        Assert.Contains("at most 1 day", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TooLong))]
    public void AgentSilenceTimeout_LongerThanADay_IsRefusedNamingIt(TimeSpan value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterOptions { AgentSilenceTimeout = value });

        Assert.Equal("AgentSilenceTimeout", error.ParamName);
    }

    [Fact]
    public void Waits_OfExactlyADay_AreAccepted()
    {
        var options = new ClusterOptions { ConnectTimeout = TimeSpan.FromDays(1), AgentSilenceTimeout = TimeSpan.FromDays(1) };

        Assert.Equal(TimeSpan.FromDays(1), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromDays(1), options.AgentSilenceTimeout);
    }

    [Fact]
    public void Waits_ZeroOrNegative_AreStillRefused()
    {
        Assert.Equal("ConnectTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterOptions { ConnectTimeout = TimeSpan.Zero }).ParamName);
        Assert.Equal("AgentSilenceTimeout", Assert.Throws<ArgumentOutOfRangeException>(() => new ClusterOptions { AgentSilenceTimeout = TimeSpan.FromSeconds(-1) }).ParamName);
    }
}
