using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Spindle.Serve.Jobs.Storage;

namespace Spindle.Serve.Jobs;

/// <summary>
/// Every job the server knows, and the one loop that feeds them to the farm in order. Requests (thread-pool threads)
/// submit and read; the loop renders one job at a time, since each job already spreads its frames over every worker.
/// </summary>
/// <remarks>
/// <code>
///  open:   store ─► finished jobs shown again; unfinished ones queued again, oldest first
///  submit: record saved ─► queue ─► loop: Start (saved) ─► farm ─► animation saved ─► Done or Failed (saved)
///  stop:   no more jobs; the running job is cancelled; a durable store still holds it as running, so the next start runs it again
///  dispose: stop, then the store is closed
/// </code>
/// Every write to the store is awaited; the store is <see cref="MemoryJobStore"/> (nothing to write) without a cluster.
/// </remarks>
internal sealed class JobRegistry : IAsyncDisposable
{
    private readonly IJobRenderer _renderer;
    private readonly IJobStore _store;
    private readonly int _maxQueuedJobs;
    private readonly int _keepFinishedJobs;
    private readonly ConcurrentDictionary<string, RenderJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RenderJob> _finishedOldestFirst = new();
    private readonly Channel<RenderJob> _queue = Channel.CreateUnbounded<RenderJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private long _lastId;
    private int _queued;
    private long _framesRendered;
    private int _jobsDone;
    private int _jobsFailed;
    private string? _storeError;

    private JobRegistry(IJobRenderer renderer, IJobStore store, int maxQueuedJobs, int keepFinishedJobs)
    {
        _renderer = renderer;
        _store = store;
        _maxQueuedJobs = maxQueuedJobs;
        _keepFinishedJobs = keepFinishedJobs;
    }

    /// <summary>A registry with the jobs <paramref name="store"/> kept, the unfinished ones queued again; its loop runs.</summary>
    public static async Task<JobRegistry> OpenAsync(IJobRenderer renderer, IJobStore store, int maxQueuedJobs, int keepFinishedJobs, CancellationToken cancellationToken)
    {
        var registry = new JobRegistry(renderer, store, maxQueuedJobs, keepFinishedJobs);
        foreach (JobRecord record in (await store.LoadAsync(cancellationToken).ConfigureAwait(false)).OrderBy(r => Number(r.Id)))
        {
            RenderJob job = RenderJob.Restore(record);
            registry._jobs[job.Id] = job;
            registry._lastId = Math.Max(registry._lastId, Number(job.Id));
            if (job.State is JobState.Done or JobState.Failed)
            {
                registry._finishedOldestFirst.Enqueue(job);
            }
            else
            {
                Interlocked.Increment(ref registry._queued);
                registry._queue.Writer.TryWrite(job);
            }
        }

        registry._loop = Task.Run(registry.RunLoopAsync, CancellationToken.None);
        return registry;
    }

    /// <summary>Where jobs are kept, and whether they survive a restart.</summary>
    public IJobStore Store => _store;

    /// <summary>The last failure to write to the store (the job went on in memory); null when the last write succeeded.</summary>
    public string? StoreError => Volatile.Read(ref _storeError);

    /// <summary>Jobs waiting for the farm.</summary>
    public int QueuedJobs => Volatile.Read(ref _queued);

    /// <summary>Frames finished since the server started, across all jobs (the throughput chart counts these).</summary>
    public long FramesRendered => Interlocked.Read(ref _framesRendered);

    public int JobsDone => Volatile.Read(ref _jobsDone);

    public int JobsFailed => Volatile.Read(ref _jobsFailed);

    /// <summary>
    /// Keeps a validated request in the store, then queues it; throws <see cref="JobQueueFullException"/> when the
    /// queue is full. A job the store could not keep is not started (the client hears why and may try again).
    /// </summary>
    public async Task<RenderJob> SubmitAsync(JobRequest request, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _queued) > _maxQueuedJobs)
        {
            Interlocked.Decrement(ref _queued);
            throw new JobQueueFullException(_maxQueuedJobs);
        }

        string id = Interlocked.Increment(ref _lastId).ToString(CultureInfo.InvariantCulture);
        var job = new RenderJob(id, request);
        try
        {
            await _store.SaveAsync(job.Record(), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Decrement(ref _queued);
            throw;
        }

        _jobs[id] = job;
        if (!_queue.Writer.TryWrite(job))
        {
            Interlocked.Decrement(ref _queued);
            _jobs.TryRemove(id, out _);
            throw new ObjectDisposedException(nameof(JobRegistry), "The server is stopping and takes no more jobs.");
        }

        return job;
    }

    public RenderJob? Find(string id) => _jobs.GetValueOrDefault(id);

    /// <summary>A finished job's animation: from memory if this run rendered it, else from the store.</summary>
    public async Task<byte[]?> ResultAsync(RenderJob job, CancellationToken cancellationToken) =>
        job.Apng ?? (job.State == JobState.Done ? await _store.LoadResultAsync(job.Id, cancellationToken).ConfigureAwait(false) : null);

    /// <summary>Jobs, newest first; at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<RenderJob> Newest(int limit) =>
        _jobs.Values.OrderByDescending(j => Number(j.Id)).Take(limit).ToArray();

    /// <summary>
    /// Takes no more jobs and cancels the running one; returns once its render has stopped. Reading jobs and results
    /// still works (requests still in flight may ask), until <see cref="DisposeAsync"/> closes the store.
    /// </summary>
    public async Task StopAsync()
    {
        _queue.Writer.TryComplete();
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        await _loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stop.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }

    private static long Number(string id) => long.Parse(id, CultureInfo.InvariantCulture);

    private async Task RunLoopAsync()
    {
        try
        {
            // A store may hold more finished jobs than this server keeps (ServeOptions.KeepFinishedJobs): trim them first.
            await ForgetAsync().ConfigureAwait(false);
            await foreach (RenderJob job in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                Interlocked.Decrement(ref _queued);
                await RunAsync(job).ConfigureAwait(false);
                await ForgetAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: queued jobs are dropped with the server (a durable store keeps them for the next start).
        }
    }

    private async Task RunAsync(RenderJob job)
    {
        bool resumed = job.WasRunning;
        job.Start();
        await SaveAsync(job).ConfigureAwait(false);
        var progress = new Progress(this, job);
        IJobFrames? frames = _store.FramesOf(job.Record(), resumed);
        bool animationKept = false;
        try
        {
            JobOutput output = await _renderer.RenderAsync(job.Request, frames, progress, _stop.Token).ConfigureAwait(false);
            progress.Report(new JobProgress(job.Request.Frames, job.Request.Frames, 0, TimeSpan.Zero, output.CrashesSurvived));
            animationKept = await SaveResultAsync(job.Id, output.Apng).ConfigureAwait(false);
            job.Complete(output);
            Interlocked.Increment(ref _jobsDone);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Not saved: a durable store still holds the job as running, and the next start renders it again (from
            // the frames it kept).
            job.Fail("The server stopped before the job finished.");
            throw;
        }
        catch (Exception e)
        {
            // One failed job must not stop the loop: the next job gets the farm, and the error is on the job's page.
            job.Fail($"{e.GetType().Name}: {e.Message}");
            Interlocked.Increment(ref _jobsFailed);
        }

        await SaveAsync(job).ConfigureAwait(false);

        // Done with its animation kept, or failed: its frames are of no more use. (Done but its animation not kept,
        // the store away: the frames stay, for the bucket's max age.)
        if (frames is not null && (animationKept || job.State == JobState.Failed))
        {
            await StoreAsync(frames.DeleteAsync).ConfigureAwait(false);
        }

        _finishedOldestFirst.Enqueue(job);
    }

    private async Task ForgetAsync()
    {
        while (_finishedOldestFirst.Count > _keepFinishedJobs && _finishedOldestFirst.TryDequeue(out RenderJob? old))
        {
            _jobs.TryRemove(old.Id, out _);
            await StoreAsync(ct => _store.DeleteAsync(old.Id, ct)).ConfigureAwait(false);
        }
    }

    private Task SaveAsync(RenderJob job) => StoreAsync(ct => _store.SaveAsync(job.Record(), ct));

    private Task<bool> SaveResultAsync(string id, byte[] apng) => StoreAsync(ct => _store.SaveResultAsync(id, apng, ct));

    /// <summary>
    /// A write from the loop. A store that is away (the NATS server restarting) must not fail a render that succeeded:
    /// the job goes on in memory, and the dashboard shows the error until a write succeeds again.
    /// </summary>
    private async Task<bool> StoreAsync(Func<CancellationToken, Task> write)
    {
        try
        {
            await write(_stop.Token).ConfigureAwait(false);
            Volatile.Write(ref _storeError, null);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            Volatile.Write(ref _storeError, $"{DateTimeOffset.UtcNow:HH:mm:ss} UTC: {e.GetType().Name}: {e.Message}");
            return false;
        }
    }

    /// <summary>Synchronous progress: the farm's reports update the job at once, on the farm's thread, in order.</summary>
    private sealed class Progress(JobRegistry registry, RenderJob job) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => Interlocked.Add(ref registry._framesRendered, job.Report(value));
    }
}
