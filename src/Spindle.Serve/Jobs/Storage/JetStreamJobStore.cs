using System.Text.Json;
using System.Text.Json.Serialization;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;

namespace Spindle.Serve.Jobs.Storage;

/// <summary>
/// The jobs of a server whose farm runs on a cluster, kept in that cluster's JetStream (file storage): a key-value
/// bucket <c>spindle_&lt;cluster&gt;_serve_jobs</c> with a record per job id, and an object store
/// <c>spindle_&lt;cluster&gt;_serve_results</c> with each finished animation under its job id, and an object store
/// <c>spindle_&lt;cluster&gt;_serve_frames</c> with the finished frames of unfinished jobs (JetStreamFrameStore). It goes
/// through the farm's own connection, so the server, credentials and TLS are the pool's.
/// </summary>
/// <remarks>One server per cluster name: two servers sharing one would run each other's unfinished jobs.</remarks>
internal sealed class JetStreamJobStore : IJobStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private readonly INatsKVStore _jobs;
    private readonly INatsObjStore _results;
    private readonly INatsObjStore _frames;

    private JetStreamJobStore(INatsKVStore jobs, INatsObjStore results, INatsObjStore frames, string cluster)
    {
        _jobs = jobs;
        _results = results;
        _frames = frames;
        Description = $"Jobs, their finished frames and animations are kept in JetStream (cluster '{cluster}': buckets {jobs.Bucket}, {frames.Bucket} and {results.Bucket}): a restart loses none and resumes the unfinished ones from their last kept frame.";
    }

    public bool Durable => true;

    public string Description { get; }

    /// <summary>Opens (creating them the first time) the buckets of <paramref name="cluster"/>'s server.</summary>
    public static async Task<JetStreamJobStore> OpenAsync(INatsJSContext js, string cluster, CancellationToken cancellationToken)
    {
        INatsKVStore jobs = await new NatsKVContext(js).CreateOrUpdateStoreAsync(new NatsKVConfig($"spindle_{cluster}_serve_jobs")
        {
            History = 1,
            Storage = NatsKVStorageType.File,
            Description = $"spindle serve on cluster '{cluster}': its jobs",
        }, cancellationToken).ConfigureAwait(false);
        INatsObjStore results = await new NatsObjContext(js).CreateObjectStoreAsync(new NatsObjConfig($"spindle_{cluster}_serve_results")
        {
            Storage = NatsObjStorageType.File,
            Description = $"spindle serve on cluster '{cluster}': finished animations, by job id",
        }, cancellationToken).ConfigureAwait(false);
        INatsObjStore frames = await new NatsObjContext(js).CreateObjectStoreAsync(new NatsObjConfig($"spindle_{cluster}_serve_frames")
        {
            Storage = NatsObjStorageType.File,
            Description = $"spindle serve on cluster '{cluster}': the finished frames of unfinished jobs",

            // A backstop: a job's frames are deleted when it ends; what a crash at that moment left goes after a week.
            MaxAge = TimeSpan.FromDays(7),
        }, cancellationToken).ConfigureAwait(false);
        return new JetStreamJobStore(jobs, results, frames, cluster);
    }

    public async Task<IReadOnlyList<JobRecord>> LoadAsync(CancellationToken cancellationToken)
    {
        var jobs = new List<JobRecord>();
        await foreach (string key in _jobs.GetKeysAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            NatsKVEntry<byte[]> entry;
            try
            {
                entry = await _jobs.GetEntryAsync<byte[]>(key, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (NatsKVKeyDeletedException)
            {
                continue;
            }

            if (entry.Value is { Length: > 0 } value && JsonSerializer.Deserialize<JobRecord>(value, Json) is { } job)
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    public async Task SaveAsync(JobRecord job, CancellationToken cancellationToken) =>
        await _jobs.PutAsync(job.Id, JsonSerializer.SerializeToUtf8Bytes(job, Json), cancellationToken: cancellationToken).ConfigureAwait(false);

    public async Task SaveResultAsync(string id, byte[] apng, CancellationToken cancellationToken) =>
        await _results.PutAsync(id, apng, cancellationToken).ConfigureAwait(false);

    public async Task<byte[]?> LoadResultAsync(string id, CancellationToken cancellationToken)
    {
        try
        {
            return await _results.GetBytesAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsObjNotFoundException)
        {
            return null;
        }
    }

    public IJobFrames FramesOf(JobRecord job, bool resumed) => new JetStreamFrameStore(_frames, job.Id, job.Request.Frames, resumed);

    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await _jobs.PurgeAsync(id, cancellationToken: cancellationToken).ConfigureAwait(false);
        try
        {
            await _results.DeleteAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsObjNotFoundException)
        {
            // A failed job has no animation.
        }
    }

    // The connection is the farm's pool's, which closes it.
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
