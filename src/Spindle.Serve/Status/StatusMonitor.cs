using System.Diagnostics;
using System.Text.Json;
using Spindle.AspNetCore.Live;
using Spindle.AspNetCore.Status;
using Spindle.Serve.Jobs;

namespace Spindle.Serve.Status;

/// <summary>
/// The render-job side of the dashboard: samples frames per second twice a second and publishes a snapshot of the
/// jobs that every server-sent-event stream sends on; <c>GET /api/status</c> builds a fresh one. The pool's side
/// (workers, CPU, memory, crashes) is the Spindle dashboard mounted at <c>/pools</c>.
/// </summary>
internal sealed class StatusMonitor : IAsyncDisposable
{
    private const int JobsShown = 20;

    private readonly JobRegistry _jobs;
    private readonly RateHistory _throughput = new();
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private long _requests;

    public StatusMonitor(JobRegistry jobs)
    {
        _jobs = jobs;
        Feed = new SnapshotFeed(() =>
        {
            _throughput.Record(_jobs.FramesRendered, DateTimeOffset.UtcNow);
            return SnapshotJson();
        });
        Feed.Start();
    }

    /// <summary>The snapshots, twice a second, for the event streams.</summary>
    public SnapshotFeed Feed { get; }

    /// <summary>Counts one HTTP request (shown on the dashboard).</summary>
    public void CountRequest() => Interlocked.Increment(ref _requests);

    /// <summary>A snapshot of this moment as UTF-8 JSON.</summary>
    public byte[] SnapshotJson() => JsonSerializer.SerializeToUtf8Bytes(Snapshot(), ServeJson.Options);

    /// <summary>A snapshot of this moment (throughput from the latest sample).</summary>
    public StatusSnapshot Snapshot() => new(
        DateTimeOffset.UtcNow,
        new ServerView(Environment.ProcessId, ThreadPool.ThreadCount, Interlocked.Read(ref _requests), Math.Round(Stopwatch.GetElapsedTime(_startedAt).TotalSeconds, 1)),
        new QueueView(_jobs.QueuedJobs),
        _throughput.Points(),
        new TotalsView(_jobs.FramesRendered, _jobs.JobsDone, _jobs.JobsFailed),
        _jobs.Newest(JobsShown).Select(j => j.View()).ToArray(),
        new StorageView(_jobs.Store.Durable, _jobs.Store.Description, _jobs.StoreError));

    public ValueTask DisposeAsync() => Feed.DisposeAsync();
}
