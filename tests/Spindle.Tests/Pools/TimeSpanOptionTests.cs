using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>
/// Time options a pool waits on with a timer: a timer waits at most about 49.7 days, so a longer value is refused where
/// it is set, naming it, rather than failing in the pool later (a call that never ends, a dispose that throws).
/// </summary>
public class TimeSpanOptionTests
{
    public static TheoryData<TimeSpan> TooLong => [TimeSpan.FromDays(50), TimeSpan.FromDays(100), TimeSpan.MaxValue];

    [Theory]
    [MemberData(nameof(TooLong))]
    public void PoolTimes_LongerThanATimerWaits_AreRefusedNamingThem(TimeSpan tooLong)
    {
        var options = new WorkerPoolOptions();
        Assert.Equal(nameof(WorkerPoolOptions.CallTimeout), Assert.Throws<ArgumentOutOfRangeException>(() => options.CallTimeout = tooLong).ParamName);
        Assert.Equal(nameof(WorkerPoolOptions.CancellationGracePeriod), Assert.Throws<ArgumentOutOfRangeException>(() => options.CancellationGracePeriod = tooLong).ParamName);
        Assert.Equal(nameof(WorkerPoolOptions.DrainTimeout), Assert.Throws<ArgumentOutOfRangeException>(() => options.DrainTimeout = tooLong).ParamName);
        Assert.Equal(nameof(WorkerPoolOptions.WorkerStartTimeout), Assert.Throws<ArgumentOutOfRangeException>(() => options.WorkerStartTimeout = tooLong).ParamName);
        Assert.Equal(nameof(CallOptions.Timeout), Assert.Throws<ArgumentOutOfRangeException>(() => new CallOptions { Timeout = tooLong }).ParamName);
    }

    [Theory]
    [InlineData(Isolation.Thread)]
    [InlineData(Isolation.Process)]
    public async Task PoolTimes_FortyNineDays_AreTakenAndWork(Isolation isolation)
    {
        TimeSpan longest = TimeSpan.FromDays(49);
        await using WorkerPool pool = TestPools.Create(isolation, configure: o =>
        {
            o.CallTimeout = longest;
            o.CancellationGracePeriod = longest;
            o.DrainTimeout = longest;
            o.WorkerStartTimeout = longest;
        });

        Assert.Equal(3, await pool.RunAsync(() => 3, new CallOptions { Timeout = longest }).Within("a call with the longest timeout"));
        Assert.Equal(4, await pool.RunAsync(() => 4).Within("a call with the pool's longest timeout"));
    }

    [Fact]
    public async Task WorkerStartTimeout_BelowASecond_IsSaidAsItWasSet()
    {
        // One tick: no worker process can report ready in time. The error says the limit as set, not "0 s".
        await using WorkerPool pool = TestPools.Process(configure: o => o.WorkerStartTimeout = TimeSpan.FromTicks(1));

        var error = await Assert.ThrowsAsync<WorkerStartException>(() => pool.RunAsync(static () => 1).Within("a call no worker can start for"));
        Assert.Contains("within 00:00:00.0000001 (WorkerStartTimeout)", error.Message, StringComparison.Ordinal);
    }
}
