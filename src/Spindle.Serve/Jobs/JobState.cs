namespace Spindle.Serve.Jobs;

/// <summary>Where a render job is in its life.</summary>
internal enum JobState
{
    /// <summary>Waiting for the farm.</summary>
    Queued,

    /// <summary>Frames are being rendered.</summary>
    Running,

    /// <summary>The video is ready.</summary>
    Done,

    /// <summary>The render failed; <see cref="RenderJob.Error"/> says why.</summary>
    Failed,
}
