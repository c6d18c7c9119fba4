using Spindle;
using Spindle.Pools;
using Spindle.Processes;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>The exceptions a pool ends calls with: one hierarchy, each carrying the numbers its message names.</summary>
public class PoolExceptionTests
{
    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public void CallTimeoutException_Created_IsASpindleExceptionCarryingTimeoutAndIsolation(Isolation isolation)
    {
        var error = new CallTimeoutException(TimeSpan.FromSeconds(3), isolation);

        Assert.IsAssignableFrom<SpindleException>(error);
        Assert.IsNotAssignableFrom<TimeoutException>(error);
        Assert.Equal(TimeSpan.FromSeconds(3), error.Timeout);
        Assert.Equal(isolation, error.Isolation);
        Assert.Contains("CallTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTimeout_Expired_IsCaughtAsASpindleException()
    {
        await using WorkerPool pool = TestPools.Thread(configure: o => o.CallTimeout = TimeSpan.FromMilliseconds(100));

        SpindleException error = await Assert.ThrowsAnyAsync<SpindleException>(() =>
            pool.RunAsync(static ct => ct.WaitHandle.WaitOne(Bounded.Unexpected)).Within("the timed-out call"));

        var timeout = Assert.IsType<CallTimeoutException>(error);
        Assert.Equal(TimeSpan.FromMilliseconds(100), timeout.Timeout);
        Assert.Equal(Isolation.Thread, timeout.Isolation);
    }

    [Fact]
    public void PoolFaultedException_Crashes_CarriesEveryNumberItsMessageNames()
    {
        var lastExit = WorkerExit.From(processId: 1234, exitCode: 139, stderrTail: "");

        var fault = new PoolFaultedException(restarts: 4, TimeSpan.FromSeconds(30), maxRestarts: 3, lastExit);

        Assert.Equal(4, fault.Restarts);
        Assert.Equal(TimeSpan.FromSeconds(30), fault.Window);
        Assert.Equal(3, fault.MaxRestarts);
        Assert.Equal(0, fault.AbandonedThreads);
        Assert.Same(lastExit, fault.LastExit);
        Assert.Contains("4 workers died", fault.Message, StringComparison.Ordinal);
        Assert.Contains("MaxRestarts (3)", fault.Message, StringComparison.Ordinal);
        Assert.Contains($"RestartWindow ({TimeSpan.FromSeconds(30)})", fault.Message, StringComparison.Ordinal);
        Assert.Contains(lastExit.Cause, fault.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PoolFaultedException_AbandonedThreads_CarriesEveryNumberItsMessageNames()
    {
        var fault = new PoolFaultedException(restarts: 3, TimeSpan.FromMinutes(1), maxRestarts: 2, lastExit: null, abandonedThreads: 2);

        Assert.Equal(3, fault.Restarts);
        Assert.Equal(2, fault.MaxRestarts);
        Assert.Equal(2, fault.AbandonedThreads);
        Assert.Null(fault.LastExit);
        Assert.Contains("3 workers were lost", fault.Message, StringComparison.Ordinal);
        Assert.Contains("MaxRestarts (2)", fault.Message, StringComparison.Ordinal);
        Assert.Contains("2 of them are worker threads", fault.Message, StringComparison.Ordinal);
    }
}
