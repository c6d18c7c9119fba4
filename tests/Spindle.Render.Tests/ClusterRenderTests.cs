using Spindle;
using Spindle.Pools;
using Spindle.Render.Tests.Support;

namespace Spindle.Render.Tests;

/// <summary>The render farm on a cluster: a real nats-server, two real <c>spindle agent</c> processes, real segfaults.</summary>
[Collection(TwoAgents.Collection)]
public sealed class ClusterRenderTests(TwoAgents cluster)
{
    [Fact]
    public async Task RenderAsync_AcrossTwoAgents_GivesTheFramesOfALocalRun()
    {
        RenderResult local = await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings());
        await using var farm = new RenderFarm(cluster.PoolOptions(), workersOnOtherMachines: true);

        RenderResult remote = await farm.RenderAsync(TinyRender.Settings()).Within("a render across two agents");

        Assert.Equal(local.FrameHashes, remote.FrameHashes);
        Assert.Equal(local.Apng, remote.Apng);
        Assert.All(remote.Frames, f => Assert.Contains(f.Agent, cluster.Names));
        Assert.All(remote.Frames, f => Assert.Equal(1, f.Attempt));
        Assert.DoesNotContain(Environment.ProcessId, remote.Frames.Select(f => f.WorkerId));
        Assert.Equal(0, remote.CrashesSurvived);
    }

    [Fact]
    public async Task RenderAsync_CrashFrameAcrossAgents_IsRenderedAgainByAnotherWorkerAndIdentical()
    {
        RenderResult local = await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings(crashFrame: 2));
        await using var farm = new RenderFarm(cluster.PoolOptions(), workersOnOtherMachines: true);
        var exits = new List<WorkerExitedEventArgs>();
        farm.Pool.WorkerExited += (_, e) => { lock (exits) { exits.Add(e); } };

        RenderResult remote = await farm.RenderAsync(TinyRender.Settings(crashFrame: 2)).Within("a render with a segfault across two agents");

        Assert.Equal(local.FrameHashes, remote.FrameHashes);
        Assert.Equal(local.Apng, remote.Apng);
        Assert.Equal(1, remote.CrashesSurvived);
        Assert.Equal(2, remote.Frames[2].Attempt);
        Assert.All(remote.Frames.Where(f => f.Index != 2), f => Assert.Equal(1, f.Attempt));
        WorkerExitedEventArgs crash;
        lock (exits)
        {
            crash = Assert.Single(exits, e => e.Reason == WorkerExitReason.Crashed);
        }

        // The crashed worker is the agent's real process, dead of SIGSEGV; the frame came back from another one.
        Assert.Equal("SIGSEGV", crash.Exit?.SignalName);
        Assert.Contains(crash.Exit!.Agent, cluster.Names);
        Assert.NotEqual((crash.Exit.Agent, crash.Exit.ProcessId), (remote.Frames[2].Agent, remote.Frames[2].WorkerId));
        Assert.Contains(remote.Frames[2].Agent, cluster.Names);
    }

    [Fact]
    public async Task RenderAsync_CrashWithoutRetriesOnACluster_FailsNamingTheSignalAndTheAgent()
    {
        await using var farm = new RenderFarm(cluster.PoolOptions(), workersOnOtherMachines: true);

        var crashed = await Assert.ThrowsAsync<WorkerCrashedException>(
            () => farm.RenderAsync(TinyRender.Settings(crashFrame: 0) with { RetriesOnCrash = 0 }).Within("a cluster render whose crash is not retried"));

        Assert.Equal("SIGSEGV", crashed.Signal);
        Assert.Contains(crashed.Exit.Agent, cluster.Names);
        RenderResult after = await farm.RenderAsync(TinyRender.Settings() with { Frames = 2 }).Within("a cluster render after the failed one");
        Assert.Equal(2, after.Frames.Count);
    }
}
