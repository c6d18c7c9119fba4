namespace Spindle.Serve.Jobs.Storage;

/// <summary>
/// Where the server keeps its jobs and finished animations: in its own memory (lost on restart), or, with a cluster,
/// in JetStream next to the cluster's calls (a restart loses nothing and resumes the unfinished jobs).
/// </summary>
internal interface IJobStore : IAsyncDisposable
{
    /// <summary>Whether jobs outlive the server's process.</summary>
    bool Durable { get; }

    /// <summary>Where the jobs are kept, in a sentence the dashboard shows.</summary>
    string Description { get; }

    /// <summary>Every job kept by an earlier run of the server, in no particular order.</summary>
    Task<IReadOnlyList<JobRecord>> LoadAsync(CancellationToken cancellationToken);

    /// <summary>Keeps (or replaces) a job's record.</summary>
    Task SaveAsync(JobRecord job, CancellationToken cancellationToken);

    /// <summary>Keeps a finished job's animation.</summary>
    Task SaveResultAsync(string id, byte[] apng, CancellationToken cancellationToken);

    /// <summary>A finished job's animation, or null if none is kept.</summary>
    Task<byte[]?> LoadResultAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Where a job keeps its frames as they finish, so it goes on from them after a restart; null when jobs are not
    /// durable. <paramref name="resumed"/>: the job was running when an earlier run of the server stopped, so it may have
    /// frames kept (a new one has none to look for).
    /// </summary>
    IJobFrames? FramesOf(JobRecord job, bool resumed);

    /// <summary>Forgets a finished job and its animation (its frames went when it finished).</summary>
    Task DeleteAsync(string id, CancellationToken cancellationToken);
}
