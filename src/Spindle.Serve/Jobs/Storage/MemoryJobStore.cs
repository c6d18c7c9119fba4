namespace Spindle.Serve.Jobs.Storage;

/// <summary>
/// No store at all: the jobs live in the registry's memory (their animations on the jobs themselves) and die with the
/// process. What <c>spindle serve</c> uses without <c>--cluster</c>, and says so on its dashboard.
/// </summary>
internal sealed class MemoryJobStore : IJobStore
{
    public bool Durable => false;

    public string Description => "Jobs are kept in memory and lost on restart (start spindle serve with --cluster to keep them in JetStream).";

    public Task<IReadOnlyList<JobRecord>> LoadAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<JobRecord>>([]);

    public Task SaveAsync(JobRecord job, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task SaveResultAsync(string id, byte[] apng, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<byte[]?> LoadResultAsync(string id, CancellationToken cancellationToken) => Task.FromResult<byte[]?>(null);

    public IJobFrames? FramesOf(JobRecord job, bool resumed) => null;

    public Task DeleteAsync(string id, CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
