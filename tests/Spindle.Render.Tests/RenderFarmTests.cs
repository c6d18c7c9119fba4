using Spindle;
using Spindle.Pools;
using Spindle.Render.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Render.Tests;

public class RenderFarmTests
{
    [Fact]
    public async Task RenderAsync_ProcessThreadAndCrashRuns_GiveIdenticalFrames()
    {
        RenderResult processes = await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings());
        RenderResult threads = await TinyRender.RunAsync(Isolation.Thread, TinyRender.Settings());
        RenderResult crashed = await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings(crashFrame: 2));

        Assert.Equal(6, processes.FrameHashes.Count);
        Assert.Equal(processes.FrameHashes, threads.FrameHashes);
        Assert.Equal(processes.FrameHashes, crashed.FrameHashes);
        Assert.Equal(processes.Apng, threads.Apng);
        Assert.Equal(processes.Apng, crashed.Apng);

        // The animation moves: no two frames are the same picture.
        Assert.Equal(6, processes.FrameHashes.Distinct().Count());

        Assert.Equal(0, processes.CrashesSurvived);
        Assert.Equal(1, crashed.CrashesSurvived);
        Assert.Equal(2, crashed.Frames[2].Attempt);
        Assert.All(crashed.Frames.Where(f => f.Index != 2), f => Assert.Equal(1, f.Attempt));
    }

    [Fact]
    public async Task RenderAsync_ProcessIsolation_FramesRenderInOtherProcesses()
    {
        RenderResult result = await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings());

        Assert.DoesNotContain(Environment.ProcessId, result.FramesPerWorker.Keys);
        Assert.Equal(6, result.FramesPerWorker.Values.Sum());
        Assert.Equal(Isolation.Process, result.Isolation);
        Assert.All(result.Frames, f => Assert.Contains(f.WorkerId, result.FramesPerWorker.Keys));
    }

    [Fact]
    public async Task RenderAsync_CrashFrame_KillsItsWorkerWithSigsegvAndARetryReplacesIt()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));
        var exits = new List<WorkerExitedEventArgs>();
        farm.Pool.WorkerExited += (_, e) => { lock (exits) { exits.Add(e); } };

        RenderResult result = await farm.RenderAsync(TinyRender.Settings(crashFrame: 4)).Within("a render with a crash");

        await Bounded.Eventually(() => { lock (exits) { return exits.Count > 0; } }, "the crashed worker's exit is reported");
        WorkerExitedEventArgs crash;
        lock (exits)
        {
            crash = Assert.Single(exits);
        }

        Assert.Equal(WorkerExitReason.Crashed, crash.Reason);
        Assert.Equal("SIGSEGV", crash.Exit?.SignalName);
        Assert.NotEqual(crash.WorkerId, result.Frames[4].WorkerId);
        Assert.Equal(1, result.CrashesSurvived);
    }

    [Fact]
    public async Task RenderAsync_ThreadIsolationWithCrashFrame_ReportsTheRunsDeath()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Thread));

        RenderRunDiedException died = await Assert.ThrowsAsync<RenderRunDiedException>(
            () => farm.RenderAsync(TinyRender.Settings(crashFrame: 3)).Within("a thread-isolated render that crashes"));

        Assert.Equal("SIGSEGV", died.Signal);
        Assert.Equal(6, died.FramesTotal);
        Assert.InRange(died.FramesDone, 0, 5);
        Assert.Contains($"the run died with SIGSEGV after {died.FramesDone} of 6 frames", died.Message, StringComparison.Ordinal);

        // This process survived, and the same farm renders again.
        RenderResult after = await farm.RenderAsync(TinyRender.Settings()).Within("a render after the death");
        Assert.Equal(6, after.Frames.Count);
    }

    [Fact]
    public async Task RenderAsync_CrashWithoutRetries_FailsWithTheWorkersSignalAndThePoolServesOn()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));

        var crashed = await Assert.ThrowsAsync<Spindle.WorkerCrashedException>(
            () => farm.RenderAsync(TinyRender.Settings(crashFrame: 0) with { RetriesOnCrash = 0 }).Within("a render whose crash is not retried"));

        Assert.Equal("SIGSEGV", crashed.Signal);
        RenderResult after = await farm.RenderAsync(TinyRender.Settings()).Within("a render after the failed one");
        Assert.Equal(0, after.CrashesSurvived);
    }

    [Fact]
    public async Task RenderAsync_Progress_IsReportedInOrderUpToEveryFrame()
    {
        var reports = new List<RenderProgress>();
        var progress = new SynchronousProgress(p => reports.Add(p));

        await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings(crashFrame: 1), progress);

        Assert.Equal(Enumerable.Range(1, 6), reports.Select(r => r.FramesDone));
        Assert.All(reports, r => Assert.Equal(6, r.FramesTotal));
        Assert.All(reports, r => Assert.True(r.FramesPerSecond > 0));
        Assert.Equal(TimeSpan.Zero, reports[^1].Eta);
        Assert.Equal(1, reports[^1].CrashesSurvived);
    }

    [Fact]
    public async Task RenderAsync_Cancelled_StopsAndThePoolKeepsServing()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Process));
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(_ => cancel.Cancel());

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => farm.RenderAsync(TinyRender.Settings() with { Frames = 200 }, progress, cancel.Token).Within("a cancelled render"));

        RenderResult after = await farm.RenderAsync(TinyRender.Settings()).Within("a render after a cancelled one");
        Assert.Equal(6, after.Frames.Count);
    }

    [Fact]
    public async Task RenderAsync_BorrowedPool_IsNotDisposedWithTheFarm()
    {
        await using var pool = new WorkerPool(TinyRender.Pool(Isolation.Thread));
        await using (var farm = new RenderFarm(pool))
        {
            Assert.Same(pool, farm.Pool);
            await farm.RenderAsync(TinyRender.Settings() with { Frames = 2 }).Within("a render on a borrowed pool");
        }

        Assert.Equal(PoolState.Running, pool.State);
        Assert.Equal(3, await pool.RunAsync(() => 1 + 2).Within("a call on the pool after the farm"));
    }

    [Fact]
    public async Task RenderAsync_Mandelbrot_IsTheSameOnThreadsAndProcesses()
    {
        RenderResult processes = await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings(scene: "mandelbrot"));
        RenderResult threads = await TinyRender.RunAsync(Isolation.Thread, TinyRender.Settings(scene: "mandelbrot"));

        Assert.Equal(processes.FrameHashes, threads.FrameHashes);
        Assert.Equal(6, processes.FrameHashes.Distinct().Count());
    }

    private sealed class SynchronousProgress(Action<RenderProgress> handler) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value) => handler(value);
    }
}
