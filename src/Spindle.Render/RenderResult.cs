using Spindle;
using Spindle.Pools;

namespace Spindle.Render;

/// <summary>A finished render: every frame, the animated PNG, and who did what.</summary>
/// <param name="Settings">What was rendered.</param>
/// <param name="Isolation">Where frames ran: worker processes or worker threads.</param>
/// <param name="Frames">The frames in order.</param>
/// <param name="Apng">The animation as an animated PNG file.</param>
/// <param name="Elapsed">Wall-clock time from start to the encoded animation.</param>
/// <param name="FramesPerWorker">
/// Frames finished per worker of this run: pid (process isolation) or managed thread id (thread isolation); frames
/// resumed from a store are not counted. On a cluster, pids of different agents' machines may be equal: group
/// <paramref name="Frames"/> by agent and worker id instead.
/// </param>
/// <param name="CrashesSurvived">Worker crashes whose frame was rendered again successfully.</param>
public sealed record RenderResult(
    RenderSettings Settings,
    Isolation Isolation,
    IReadOnlyList<RenderedFrame> Frames,
    byte[] Apng,
    TimeSpan Elapsed,
    IReadOnlyDictionary<int, int> FramesPerWorker,
    int CrashesSurvived)
{
    /// <summary>The SHA-256 of each frame's RGBA, in frame order (equal across isolations and crashes).</summary>
    public IReadOnlyList<string> FrameHashes => Frames.Select(f => f.Sha256).ToArray();

    /// <summary>How many frames came from an <see cref="IRenderFrameStore"/> (an earlier run's) instead of a worker.</summary>
    public int FramesResumed => Frames.Count(f => f.Resumed);
}
