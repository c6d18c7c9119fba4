namespace Spindle.Serve.Jobs.Storage;

/// <summary>A job as a store keeps it: enough to show it after a restart, and to run it again if it had not finished.</summary>
internal sealed record JobRecord(
    string Id,
    JobRequest Request,
    JobState State,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    int CrashesSurvived,
    int? ResultBytes,
    IReadOnlyDictionary<string, int>? FramesPerWorker)
{
    /// <summary>Frames a restarted run took from the frames store instead of rendering them again.</summary>
    public int FramesResumed { get; init; }
}
