using Spindle.Pools;

namespace Spindle.AspNetCore.Status;

/// <summary>Everything the dashboard shows, as <c>api/status</c> and each server-sent event carry it.</summary>
internal sealed record DashboardSnapshot(DateTimeOffset Time, AppView App, IReadOnlyList<PoolView> Pools);

/// <summary>The app's own process: thread workers run in it.</summary>
internal sealed record AppView(int Pid, double? CpuPercent, long? RssBytes, int ThreadPoolThreads);

/// <summary>One pool.</summary>
/// <param name="Key">Its name, made unique among the pools shown (a second pool named "spindle" is "spindle-2"); used in URLs.</param>
/// <param name="Name">Its <see cref="WorkerPool.Name"/>.</param>
/// <param name="Isolation">Processes or threads.</param>
/// <param name="State">Running, stopping, stopped or faulted.</param>
/// <param name="MaxWorkers">Workers it keeps at most.</param>
/// <param name="QueuedCalls">Calls waiting for a worker.</param>
/// <param name="Totals">Counts since the dashboard first saw it.</param>
/// <param name="Throughput">Calls finished per second, over the last minute.</param>
/// <param name="Workers">Its workers, oldest first.</param>
/// <param name="Agents">For a cluster pool, its cluster's agents; null for a pool of this machine.</param>
internal sealed record PoolView(
    string Key,
    string Name,
    Isolation Isolation,
    PoolState State,
    int MaxWorkers,
    int QueuedCalls,
    PoolTotals Totals,
    IReadOnlyList<RatePoint> Throughput,
    IReadOnlyList<WorkerView> Workers,
    AgentsView? Agents = null);

/// <summary>A cluster pool's agents, as the cluster's registry last listed them, by name.</summary>
/// <param name="List">Each agent with its worker processes, CPU, memory, calls, crashes and last heartbeat.</param>
/// <param name="Error">Why the registry could not be read just now (the list is then the last one read); null when it could.</param>
internal sealed record AgentsView(IReadOnlyList<ClusterAgentInfo> List, string? Error);

/// <summary>A pool's counts since the dashboard first saw it.</summary>
/// <param name="CallsDone">Calls finished (by workers alive now, and by those that ended, as last sampled).</param>
/// <param name="Crashes">Workers that died on their own.</param>
/// <param name="Restarts">Workers started to replace one that ended.</param>
/// <param name="Retries">Calls run again because their worker crashed.</param>
internal sealed record PoolTotals(long CallsDone, int Crashes, int Restarts, int Retries);

/// <summary>One worker.</summary>
/// <param name="Id">Its <see cref="WorkerInfo.Id"/>: the pid of a worker process, the number of a worker thread or of a cluster pool's slot.</param>
/// <param name="Pid">
/// The process of this machine its calls run in: its own, or the app's for a worker thread; null for a cluster pool's
/// slot (a call in flight on some agent: the agents list their own worker processes).
/// </param>
/// <param name="State"><c>busy</c>, <c>idle</c> or <c>abandoned</c> (a worker thread left to a call that never returned).</param>
/// <param name="CpuPercent">A worker process's share of one core between the last two samples; null for threads and until two samples exist.</param>
/// <param name="RssBytes">A worker process's resident memory (VmRSS); null for threads.</param>
/// <param name="CallsDone">Calls it finished.</param>
/// <param name="Crashes">Crashes of the place it holds in the pool.</param>
/// <param name="Restarts">Restarts of that place.</param>
/// <param name="StartedAt">When it started.</param>
internal sealed record WorkerView(int Id, int? Pid, string State, double? CpuPercent, long? RssBytes, int CallsDone, int Crashes, int Restarts, DateTimeOffset StartedAt);
