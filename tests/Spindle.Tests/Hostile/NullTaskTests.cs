using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Hostile;

/// <summary>
/// A delegate declared to return a task that returns null (not async, and no Task.FromResult): that call fails, saying
/// so, and nothing else does. With process isolation the worker once reported it as a null result, which the pool's
/// reader thread cast to the value type the caller wanted: the exception ended the caller's process.
/// </summary>
public class NullTaskTests
{
    [Theory]
    [InlineData(Isolation.Process)]
    [InlineData(Isolation.Thread)]
    public async Task RunAsync_DelegateReturnsNullTaskOfAValueType_FailsThatCallOnlyNamingWhy(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation);

        Exception error = await Assert.ThrowsAnyAsync<Exception>(() => pool.RunAsync(static () => (Task<int>)null!).Within("the call whose delegate returned null"));
        Assert.Contains("returned null instead of a Task<Int32>", error.Message, StringComparison.Ordinal);

        Exception plain = await Assert.ThrowsAnyAsync<Exception>(() => pool.RunAsync(static () => (Task)null!).Within("the call whose delegate returned a null Task"));
        Assert.Contains("returned null instead of a Task", plain.Message, StringComparison.Ordinal);

        // The pool and this process go on.
        Assert.Equal(5, await pool.RunAsync(static () => Task.FromResult(5)).Within("a call after them"));
    }
}
