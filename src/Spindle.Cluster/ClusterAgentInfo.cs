namespace Spindle;

/// <summary>An agent of a cluster, as it last registered itself (see <see cref="ClusterPool.GetAgentsAsync"/>).</summary>
/// <param name="Name">Its name in the cluster (<c>spindle agent --name</c>).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Cores">The machine's processor count.</param>
/// <param name="Workers">How many calls it runs at once.</param>
/// <param name="Busy">How many it was running at its last heartbeat.</param>
/// <param name="Version">Its Spindle version.</param>
/// <param name="Heartbeat">When it last registered (it expires after three missed heartbeats).</param>
public sealed record ClusterAgentInfo(string Name, string Host, int Cores, int Workers, int Busy, string Version, DateTimeOffset Heartbeat)
{
    /// <summary>CPU used by the agent and its worker processes between its last two heartbeats, in % of one core; null until two exist.</summary>
    public double? CpuPercent { get; init; }

    /// <summary>Resident memory of the agent and its worker processes at its last heartbeat (VmRSS, summed); null where /proc cannot tell.</summary>
    public long? RssBytes { get; init; }

    /// <summary>
    /// The cluster protocol it speaks: it runs only the calls of pools that speak the same one, which pools of the same
    /// Spindle version do (<c>docs/cluster.md</c>, "Versions"); 0 for an agent from before protocol versions.
    /// </summary>
    public int Protocol { get; init; }

    /// <summary>Calls its worker processes finished since the agent started.</summary>
    public long CallsDone { get; init; }

    /// <summary>Its worker processes that died on their own since the agent started.</summary>
    public int Crashes { get; init; }

    /// <summary>Its worker processes at its last heartbeat; empty for an agent that has run nothing yet (workers start with the first call).</summary>
    public IReadOnlyList<ClusterAgentWorkerInfo> WorkerProcesses { get; init; } = [];

    /// <summary>Equal when every figure is, the worker processes compared one by one (not as list references).</summary>
    public bool Equals(ClusterAgentInfo? other) =>
        other is not null
        && (Name, Host, Cores, Workers, Busy, Version, Heartbeat, CpuPercent, RssBytes, CallsDone, Crashes, Protocol)
            == (other.Name, other.Host, other.Cores, other.Workers, other.Busy, other.Version, other.Heartbeat, other.CpuPercent, other.RssBytes, other.CallsDone, other.Crashes, other.Protocol)
        && WorkerProcesses.SequenceEqual(other.WorkerProcesses);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Host, Heartbeat, CallsDone, WorkerProcesses.Count);
}

/// <summary>One worker process of an agent, as the agent last registered it.</summary>
/// <param name="Pid">Its process id on the agent's machine.</param>
/// <param name="Busy">Whether it was running a call.</param>
/// <param name="CallsDone">Calls it finished.</param>
/// <param name="CpuPercent">Its share of one core between the agent's last two heartbeats; null until two exist.</param>
/// <param name="RssBytes">Its resident memory (VmRSS); null where /proc cannot tell.</param>
public sealed record ClusterAgentWorkerInfo(int Pid, bool Busy, int CallsDone, double? CpuPercent, long? RssBytes);
