namespace Spindle.Serve.Jobs;

/// <summary>How far a running render has got; <paramref name="FramesResumed"/> of the frames done were kept by an earlier run, not rendered.</summary>
internal sealed record JobProgress(int FramesDone, int FramesTotal, double FramesPerSecond, TimeSpan? Eta, int CrashesSurvived, int FramesResumed = 0);

/// <summary>A finished render: the animated PNG and what it took.</summary>
internal sealed record JobOutput(byte[] Apng, TimeSpan Elapsed, int CrashesSurvived, IReadOnlyDictionary<int, int> FramesPerWorker)
{
    /// <summary>Frames an earlier run of the job had kept (a server restarted mid-job), not rendered again.</summary>
    public int FramesResumed { get; init; }
}
