using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;

namespace Spindle.Serve.Jobs;

/// <summary>
/// Every job the server knows, and the one loop that feeds them to the farm in order. Requests (thread-pool threads)
/// submit and read; the loop renders one job at a time, since each job already spreads its frames over every worker.
/// </summary>
internal sealed class JobRegistry : IAsyncDisposable
{
    private readonly IJobRenderer _renderer;
    private readonly int _maxQueuedJobs;
    private readonly int _keepFinishedJobs;
    private readonly ConcurrentDictionary<string, RenderJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<RenderJob> _finishedOldestFirst = new();
    private readonly Channel<RenderJob> _queue = Channel.CreateUnbounded<RenderJob>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _lastId;
    private int _queued;
    private long _framesRendered;
    private int _jobsDone;
    private int _jobsFailed;

    public JobRegistry(IJobRenderer renderer, int maxQueuedJobs, int keepFinishedJobs)
    {
        _renderer = renderer;
        _maxQueuedJobs = maxQueuedJobs;
        _keepFinishedJobs = keepFinishedJobs;
        _loop = Task.Run(RunLoopAsync);
    }

    /// <summary>Jobs waiting for the farm.</summary>
    public int QueuedJobs => Volatile.Read(ref _queued);

    /// <summary>Frames finished since the server started, across all jobs (the throughput chart counts these).</summary>
    public long FramesRendered => Interlocked.Read(ref _framesRendered);

    public int JobsDone => Volatile.Read(ref _jobsDone);

    public int JobsFailed => Volatile.Read(ref _jobsFailed);

    /// <summary>Queues a validated request; throws <see cref="JobQueueFullException"/> when the queue is full.</summary>
    public RenderJob Submit(JobRequest request)
    {
        if (Interlocked.Increment(ref _queued) > _maxQueuedJobs)
        {
            Interlocked.Decrement(ref _queued);
            throw new JobQueueFullException(_maxQueuedJobs);
        }

        string id = Interlocked.Increment(ref _lastId).ToString(CultureInfo.InvariantCulture);
        var job = new RenderJob(id, request);
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

    /// <summary>Jobs, newest first; at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<RenderJob> Newest(int limit) =>
        _jobs.Values.OrderByDescending(j => long.Parse(j.Id, CultureInfo.InvariantCulture)).Take(limit).ToArray();

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunLoopAsync()
    {
        try
        {
            await foreach (RenderJob job in _queue.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                Interlocked.Decrement(ref _queued);
                await RunAsync(job).ConfigureAwait(false);
                Forget();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopping: jobs still queued are dropped with the server.
        }
    }

    private async Task RunAsync(RenderJob job)
    {
        job.Start();
        var progress = new Progress(this, job);
        try
        {
            JobOutput output = await _renderer.RenderAsync(job.Request, progress, _stop.Token).ConfigureAwait(false);
            progress.Report(new JobProgress(job.Request.Frames, job.Request.Frames, 0, TimeSpan.Zero, output.CrashesSurvived));
            job.Complete(output);
            Interlocked.Increment(ref _jobsDone);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            job.Fail("The server stopped before the job finished.");
            throw;
        }
        catch (Exception e)
        {
            // One failed job must not stop the loop: the next job gets the farm, and the error is on the job's page.
            job.Fail($"{e.GetType().Name}: {e.Message}");
            Interlocked.Increment(ref _jobsFailed);
        }

        _finishedOldestFirst.Enqueue(job);
    }

    private void Forget()
    {
        while (_finishedOldestFirst.Count > _keepFinishedJobs && _finishedOldestFirst.TryDequeue(out RenderJob? old))
        {
            _jobs.TryRemove(old.Id, out _);
        }
    }

    /// <summary>Synchronous progress: the farm's reports update the job at once, on the farm's thread, in order.</summary>
    private sealed class Progress(JobRegistry registry, RenderJob job) : IProgress<JobProgress>
    {
        public void Report(JobProgress value) => Interlocked.Add(ref registry._framesRendered, job.Report(value));
    }
}
