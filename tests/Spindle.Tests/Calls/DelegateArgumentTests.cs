using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Calls;

/// <summary>
/// RunDelegateAsync's untyped arguments are checked against the delegate at the call site, the same way for both
/// isolations, so switching a program between threads and processes never changes what a wrong call does.
/// </summary>
public class DelegateArgumentTests
{
    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task RunDelegateAsync_WrongCountOrType_FailsAtTheCallSiteNamingArgs(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation);
        Func<int, int> twice = static x => x * 2;

        var missing = Assert.Throws<ArgumentException>(() => { _ = pool.RunDelegateAsync(twice, []); });
        Assert.Contains("needs a value for parameter 'x'", missing.Message, StringComparison.Ordinal);
        var extra = Assert.Throws<ArgumentException>(() => { _ = pool.RunDelegateAsync(twice, [1, 2]); });
        Assert.Contains("takes 1 argument(s) but 2 were given", extra.Message, StringComparison.Ordinal);
        var wrongType = Assert.Throws<ArgumentException>(() => { _ = pool.RunDelegateAsync(twice, ["s"]); });
        Assert.Contains("Argument 0 is a String, but the delegate's parameter 'x' is a Int32", wrongType.Message, StringComparison.Ordinal);
        var nullForValue = Assert.Throws<ArgumentException>(() => { _ = pool.RunDelegateAsync(twice, [null]); });
        Assert.All(new[] { missing, extra, wrongType, nullForValue }, e => Assert.Equal("args", e.ParamName));

        // Right ones run, a cancellation token parameter taking no argument.
        Assert.Equal(6, await pool.RunDelegateAsync(twice, [3]).Within("a right call"));
        Func<string?, CancellationToken, int> length = static (s, _) => s?.Length ?? -1;
        Assert.Equal(-1, await pool.RunDelegateAsync(length, [null]).Within("a null for a string"));
    }
}
