using Spindle;
using Spindle.Pools;
using Spindle.Serve.Jobs;

namespace Spindle.Serve.Status;

/// <summary>Everything the dashboard shows, as <c>GET /api/status</c> and each server-sent event carry it.</summary>
internal sealed record StatusSnapshot(
    DateTimeOffset Time,
    ServerView Server,
    IReadOnlyList<WorkerView> Workers,
    QueueView Queue,
    IReadOnlyList<ThroughputPoint> Throughput,
    TotalsView Totals,
    IReadOnlyList<JobView> Jobs);

/// <summary>The server process (Kestrel runs each request on a thread-pool thread) and its farm's pool.</summary>
internal sealed record ServerView(int Pid, int ThreadPoolThreads, long Requests, double UptimeSeconds, int PoolSize, PoolState PoolState);

/// <summary>One worker process of the farm.</summary>
/// <param name="Pid">Its process id.</param>
/// <param name="State"><c>busy</c> or <c>idle</c>.</param>
/// <param name="CpuPercent">Share of one core between the last two samples; null until two samples exist.</param>
/// <param name="RssBytes">Resident memory (VmRSS).</param>
/// <param name="CallsDone">Calls it finished.</param>
/// <param name="Crashes">Crashes of the place it holds in the pool.</param>
/// <param name="Restarts">Restarts of that place.</param>
/// <param name="StartedAt">When it started.</param>
internal sealed record WorkerView(int Pid, string State, double? CpuPercent, long? RssBytes, int CallsDone, int Crashes, int Restarts, DateTimeOffset StartedAt);

/// <summary>Work waiting: frame calls queued in the pool, and jobs queued for the farm.</summary>
internal sealed record QueueView(int Calls, int Jobs);

/// <summary>Frames per second finished at one moment.</summary>
internal sealed record ThroughputPoint(DateTimeOffset Time, double FramesPerSecond);

/// <summary>Counts since the server started.</summary>
internal sealed record TotalsView(long FramesRendered, int JobsDone, int JobsFailed, int Crashes, int Restarts, int Retries);
