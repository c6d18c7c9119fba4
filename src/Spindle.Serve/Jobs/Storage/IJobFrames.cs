using Spindle.Render;

namespace Spindle.Serve.Jobs.Storage;

/// <summary>The frames a job keeps as they finish (so a restarted server goes on from them), and their deletion once the job is over.</summary>
internal interface IJobFrames : IRenderFrameStore
{
    /// <summary>Deletes the frames this job kept (once its animation is kept, or it failed).</summary>
    Task DeleteAsync(CancellationToken cancellationToken);
}
