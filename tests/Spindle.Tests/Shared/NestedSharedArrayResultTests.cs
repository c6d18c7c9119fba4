using Spindle;
using Spindle.Interop;
using Spindle.Shared;
using Spindle.Tests.Support;

namespace Spindle.Tests.Shared;

/// <summary>
/// A shared array a worker returns inside another value cannot be handed over (only a result of its own is): the call
/// is refused, and the array, which the call gave away, must not stay in the shared-memory directory while the worker lives.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class NestedSharedArrayResultTests
{
    [Fact]
    public async Task RunAsync_SharedArrayCreatedInTheWorkerReturnedInATuple_IsRefused_AndItsSegmentIsRemovedAtOnce()
    {
        await using WorkerPool pool = TestPools.Process();
        int worker = await pool.RunAsync(static () => Environment.ProcessId).Within("a first call, to know the worker");

        var error = await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(ArrayInATuple, 16).Within("the refused call"));

        Assert.Contains("by reference", error.Message, StringComparison.Ordinal);
        Assert.True(Native.ProcessAlive(worker), "the worker serves on");
        Assert.Empty(SharedSegments.NamedFor(worker));
        Assert.Equal(worker, await pool.RunAsync(static () => Environment.ProcessId).Within("a call after the refusal"));
    }

    [Fact]
    public async Task MapAsync_SharedArraysCreatedInTheWorker_AreRefused_AndTheirSegmentsAreRemovedAtOnce()
    {
        await using WorkerPool pool = TestPools.Process();
        int worker = await pool.RunAsync(static () => Environment.ProcessId).Within("a first call, to know the worker");

        await Assert.ThrowsAsync<RemoteException>(() => pool.MapAsync(static (int length) => SharedArray.Create<int>(length), new[] { 4, 8, 16 }).ToArrayAsync().AsTask().Within("the refused map"));

        Assert.True(Native.ProcessAlive(worker), "the worker serves on");
        Assert.Empty(SharedSegments.NamedFor(worker));
    }

    [Fact]
    public async Task RunAsync_SharedArraysCreatedInTheWorkerReturnedAsMembersOfARecord_AreRefused_AndTheirSegmentsAreRemovedAtOnce()
    {
        await using WorkerPool pool = TestPools.Process();
        int worker = await pool.RunAsync(static () => Environment.ProcessId).Within("a first call, to know the worker");

        await Assert.ThrowsAsync<RemoteException>(() => pool.RunAsync(static () => new Frames(SharedArray.Create<int>(4), [SharedArray.Create<int>(8)])).Within("the refused call"));

        Assert.True(Native.ProcessAlive(worker), "the worker serves on");
        Assert.Empty(SharedSegments.NamedFor(worker));
    }

    public sealed record Frames(SharedArray<int> First, List<SharedArray<int>> Others);

    private static (SharedArray<int> Array, int Length) ArrayInATuple(int length)
    {
        SharedArray<int> array = SharedArray.Create<int>(length);
        return (array, length);
    }
}
