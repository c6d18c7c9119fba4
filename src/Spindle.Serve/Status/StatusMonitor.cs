using System.Diagnostics;
using System.Text.Json;
using Spindle;
using Spindle.Pools;
using Spindle.Serve.Jobs;

namespace Spindle.Serve.Status;

/// <summary>
/// Samples the farm twice a second (CPU ticks, throughput) and publishes a snapshot that every server-sent-event
/// stream sends on; <c>GET /api/status</c> builds a fresh one from the same samples.
/// </summary>
internal sealed class StatusMonitor : IAsyncDisposable
{
    /// <summary>How often the dashboard is updated.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private const int JobsShown = 20;

    private readonly WorkerPool _pool;
    private readonly JobRegistry _jobs;
    private readonly WorkerLedger _ledger;
    private readonly CpuSampler _cpu = new();
    private readonly ThroughputHistory _throughput = new(capacity: 120);
    private readonly long _startedAt = Stopwatch.GetTimestamp();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource<byte[]> _next = NewSignal();
    private long _requests;

    public StatusMonitor(WorkerPool pool, JobRegistry jobs, WorkerLedger ledger)
    {
        _pool = pool;
        _jobs = jobs;
        _ledger = ledger;
        _loop = Task.Run(SampleLoopAsync);
    }

    /// <summary>Counts one HTTP request (shown on the dashboard).</summary>
    public void CountRequest() => Interlocked.Increment(ref _requests);

    /// <summary>The next published snapshot as UTF-8 JSON; cancelled when the server stops.</summary>
    public Task<byte[]> NextAsync(CancellationToken cancellationToken) => Volatile.Read(ref _next).Task.WaitAsync(cancellationToken);

    /// <summary>A snapshot of this moment (CPU % from the latest sample).</summary>
    public StatusSnapshot Snapshot()
    {
        IReadOnlyList<WorkerInfo> workers = _pool.GetWorkers();
        var views = new List<WorkerView>(workers.Count);
        foreach (WorkerInfo w in workers.OrderBy(w => w.StartedAt))
        {
            (int crashes, int restarts) = _ledger.Of(w.Id);
            views.Add(new WorkerView(w.Id, w.Busy ? "busy" : "idle", _cpu.CpuPercent(w.Id), ProcFs.ResidentBytes(w.Id), w.CallsDone, crashes, restarts, w.StartedAt));
        }

        return new StatusSnapshot(
            DateTimeOffset.UtcNow,
            new ServerView(Environment.ProcessId, ThreadPool.ThreadCount, Interlocked.Read(ref _requests), Math.Round(Stopwatch.GetElapsedTime(_startedAt).TotalSeconds, 1), _pool.MaxWorkers, _pool.State),
            views,
            new QueueView(_pool.QueueLength, _jobs.QueuedJobs),
            _throughput.Points(),
            new TotalsView(_jobs.FramesRendered, _jobs.JobsDone, _jobs.JobsFailed, _ledger.Crashes, _ledger.Restarts, _ledger.Retries),
            _jobs.Newest(JobsShown).Select(j => j.View()).ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _next.TrySetCanceled();
        _stop.Dispose();
    }

    private static TaskCompletionSource<byte[]> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task SampleLoopAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            do
            {
                TaskCompletionSource<byte[]> waiting = Interlocked.Exchange(ref _next, NewSignal());
                try
                {
                    _cpu.Sample(_pool.GetWorkers().Select(w => w.Id).ToArray());
                    _throughput.Record(_jobs.FramesRendered, DateTimeOffset.UtcNow);
                    waiting.TrySetResult(JsonSerializer.SerializeToUtf8Bytes(Snapshot(), ServeJson.Options));
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The streams waiting for this snapshot end with the error (browsers reconnect); sampling goes on.
                    waiting.TrySetException(e);
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // The server is stopping.
        }
    }
}
