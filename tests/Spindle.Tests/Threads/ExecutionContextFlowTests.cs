using System.Diagnostics;
using System.Globalization;
using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Tests.Threads;

/// <summary>A thread-isolated call sees its caller's ExecutionContext, as a delegate given to <c>Task.Run</c> does; the pool's own work does not.</summary>
public class ExecutionContextFlowTests
{
    private static readonly AsyncLocal<string?> Tag = new();

    [Fact]
    public async Task RunAsync_AsyncLocalSetByTheCaller_IsSeenInsideTheDelegate()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 2);
        Tag.Value = "from the caller";

        string? seen = await pool.RunAsync(static () => Tag.Value).Within("the call");

        Assert.Equal("from the caller", seen);
    }

    [Fact]
    public async Task RunAsync_ActivityStartedByTheCaller_IsCurrentInsideTheDelegate()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 2);
        using var activity = new Activity("caller's operation");
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.Start();

        string?[] seen = await pool.RunAsync(static () => new[] { Activity.Current?.Id, Activity.Current?.TraceId.ToString() }).Within("the call");

        Assert.Equal(activity.Id, seen[0]);
        Assert.Equal(activity.TraceId.ToString(), seen[1]);
    }

    [Fact]
    public async Task RunAsync_CurrentCultureSetByTheCaller_IsCurrentInsideTheDelegate()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 2);
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("fr-FR");
        CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo("de-DE");

        string[] seen = await pool.RunAsync(static () => new[] { CultureInfo.CurrentCulture.Name, CultureInfo.CurrentUICulture.Name, 1.5.ToString() }).Within("the call");

        Assert.Equal(["fr-FR", "de-DE", "1,5"], seen);
    }

    [Fact]
    public async Task RunAsync_ValueSetInsideTheDelegate_StaysInItsCall()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1);
        Tag.Value = "from the caller";

        await pool.RunAsync(static () => { Tag.Value = "set inside"; }).Within("the call that sets a value");
        string? next = await pool.RunAsync(static () => Tag.Value).Within("the next call");

        Assert.Equal("from the caller", Tag.Value);
        Assert.Equal("from the caller", next);
    }

    [Fact]
    public async Task RunAsync_FlowSuppressedByTheCaller_RunsWithoutTheCallersValues()
    {
        await using WorkerPool pool = TestPools.Thread(workers: 1);
        Tag.Value = "from the caller";
        Task<string?> call;
        using (ExecutionContext.SuppressFlow())
        {
            call = pool.RunAsync<string?>(static () => Tag.Value);
        }

        Assert.Null(await call.Within("the call"));
    }

    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task WorkerStarted_WorkerStartedForACall_DoesNotCarryTheCallersContext(Isolation isolation)
    {
        await using WorkerPool pool = TestPools.Create(isolation, workers: 1);
        var seenByTheStart = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        pool.WorkerStarted += (_, _) => seenByTheStart.TrySetResult(Tag.Value);
        Tag.Value = "from the caller";

        await pool.RunAsync(static () => 1).Within("the call that starts the worker");

        Assert.Null(await seenByTheStart.Task.Within("the worker's start"));
    }
}
