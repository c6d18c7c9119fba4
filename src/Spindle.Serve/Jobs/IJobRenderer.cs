using Spindle;
using Spindle.Pools;
using Spindle.Render;

namespace Spindle.Serve.Jobs;

/// <summary>What the server needs from the render farm: a pool to watch and a way to render one job.</summary>
internal interface IJobRenderer : IAsyncDisposable
{
    /// <summary>The worker processes frames run on.</summary>
    WorkerPool Pool { get; }

    /// <summary>
    /// Renders <paramref name="request"/> (already validated) into an animated PNG, reporting each frame; with
    /// <paramref name="frames"/>, going on from the frames kept there and keeping each new one.
    /// </summary>
    Task<JobOutput> RenderAsync(JobRequest request, IRenderFrameStore? frames, IProgress<JobProgress> progress, CancellationToken cancellationToken);
}
