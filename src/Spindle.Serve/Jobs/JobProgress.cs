namespace Spindle.Serve.Jobs;

/// <summary>How far a running render has got.</summary>
internal sealed record JobProgress(int FramesDone, int FramesTotal, double FramesPerSecond, TimeSpan? Eta, int CrashesSurvived);

/// <summary>A finished render: the animated PNG and what it took.</summary>
internal sealed record JobOutput(byte[] Apng, TimeSpan Elapsed, int CrashesSurvived, IReadOnlyDictionary<int, int> FramesPerWorker)
{
    /// <summary>Frames an earlier run of the job had kept (a server restarted mid-job), not rendered again.</summary>
    public int FramesResumed { get; init; }
}
