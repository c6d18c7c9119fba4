using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Pools;

/// <summary>Every <c>RunAsync</c> shape takes <see cref="CallOptions"/>, and the options take effect.</summary>
public class CallOptionsShapeTests
{
    private static readonly CallOptions Roomy = new() { Timeout = TimeSpan.FromMinutes(1) };

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task EveryShape_AcceptsCallOptions(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation);

        Assert.Equal(1, await pool.RunAsync(() => 1, Roomy).Within("Func<T>"));
        Assert.Equal(2, await pool.RunAsync(a => a, 2, Roomy).Within("Func<T1, T>"));
        Assert.Equal(3, await pool.RunAsync((a, b) => a + b, 1, 2, Roomy).Within("Func<T1, T2, T>"));
        Assert.Equal(6, await pool.RunAsync((a, b, c) => a + b + c, 1, 2, 3, Roomy).Within("Func<T1, T2, T3, T>"));
        Assert.Equal(10, await pool.RunAsync((a, b, c, d) => a + b + c + d, 1, 2, 3, 4, Roomy).Within("Func<T1, T2, T3, T4, T>"));
        await pool.RunAsync(() => { }, Roomy).Within("Action");
        await pool.RunAsync(a => { _ = a; }, 1, Roomy).Within("Action<T1>");
        await pool.RunAsync((a, b) => { _ = a + b; }, 1, 2, Roomy).Within("Action<T1, T2>");
        Assert.Equal(7, await pool.RunAsync(async () => { await Task.Yield(); return 7; }, Roomy).Within("Func<Task<T>>"));
        Assert.Equal(8, await pool.RunAsync(async a => { await Task.Yield(); return a; }, 8, Roomy).Within("Func<T1, Task<T>>"));
        await pool.RunAsync(async () => await Task.Yield(), Roomy).Within("Func<Task>");
        Assert.True(await pool.RunAsync(ct => ct.CanBeCanceled, Roomy).Within("Func<CancellationToken, T>"));
        Assert.Equal(9, await pool.RunAsync((int a, CancellationToken ct) => a, 9, Roomy).Within("Func<T1, CancellationToken, T>"));
        Assert.Equal(4, await pool.RunAsync(async (CancellationToken ct) => { await Task.Yield(); return 4; }, Roomy).Within("Func<CancellationToken, Task<T>>"));
        Assert.Equal(5, await pool.RunAsync(async (int a, CancellationToken ct) => { await Task.Yield(); return a; }, 5, Roomy).Within("Func<T1, CancellationToken, Task<T>>"));
        await pool.RunAsync((CancellationToken ct) => { _ = ct; }, Roomy).Within("Action<CancellationToken>");
    }

    [Fact]
    public async Task ActionShape_CallOptionsTimeout_EndsTheCall()
    {
        await using WorkerPool pool = TestPools.Process();
        var quick = new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) };

        await Assert.ThrowsAsync<CallTimeoutException>(() => pool.RunAsync(() => Thread.Sleep(Timeout.Infinite), quick).Within("the timed-out call"));
        Assert.Equal(1, await pool.RunAsync(() => 1).Within("the call after"));
    }
}
