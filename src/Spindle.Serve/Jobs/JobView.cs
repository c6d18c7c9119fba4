namespace Spindle.Serve.Jobs;

/// <summary>A job as the API shows it.</summary>
internal sealed record JobView(
    string Id,
    JobState State,
    int Frames,
    int Width,
    int Height,
    string Scene,
    int? CrashFrame,
    int FramesDone,
    double Percent,
    double FramesPerSecond,
    double? EtaSeconds,
    double? ElapsedSeconds,
    int CrashesSurvived,
    int? ResultBytes,
    string? Error,
    DateTimeOffset CreatedAt,
    IReadOnlyDictionary<string, int>? FramesPerWorker)
{
    /// <summary>Frames kept by a run of the job that a server restart cut short, taken up instead of rendered again.</summary>
    public int FramesResumed { get; init; }

    /// <summary>Where the job's page and API live.</summary>
    public string Url => $"/jobs/{Id}";

    /// <summary>Where the video can be downloaded once done.</summary>
    public string ResultUrl => $"/api/jobs/{Id}/result";
}
