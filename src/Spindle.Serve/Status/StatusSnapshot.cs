using Spindle.AspNetCore.Status;
using Spindle.Serve.Jobs;

namespace Spindle.Serve.Status;

/// <summary>
/// The render-job side of the dashboard, as <c>GET /api/status</c> and each server-sent event carry it. The farm's
/// pool (workers, pids, CPU, memory, crashes, restarts) is at <c>GET /pools/api/status</c>.
/// </summary>
internal sealed record StatusSnapshot(
    DateTimeOffset Time,
    ServerView Server,
    QueueView Queue,
    IReadOnlyList<RatePoint> Throughput,
    TotalsView Totals,
    IReadOnlyList<JobView> Jobs,
    StorageView Storage);

/// <summary>The server process: Kestrel runs each request on a thread-pool thread.</summary>
internal sealed record ServerView(int Pid, int ThreadPoolThreads, long Requests, double UptimeSeconds);

/// <summary>Jobs waiting for the farm.</summary>
internal sealed record QueueView(int Jobs);

/// <summary>Counts since the server started.</summary>
internal sealed record TotalsView(long FramesRendered, int JobsDone, int JobsFailed);

/// <summary>Where jobs are kept: <see cref="Durable"/> when they survive a restart (JetStream), not in memory.</summary>
/// <param name="Durable">Whether jobs outlive the server's process.</param>
/// <param name="Description">Where they are kept, as the dashboard says it.</param>
/// <param name="Error">The last failed write to the store; null when the last write succeeded.</param>
internal sealed record StorageView(bool Durable, string Description, string? Error);
