namespace Spindle;

/// <summary>An agent of a cluster, as it last registered itself (see <see cref="ClusterPool.GetAgentsAsync"/>).</summary>
/// <param name="Name">Its name in the cluster (<c>spindle agent --name</c>).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Cores">The machine's processor count.</param>
/// <param name="Workers">How many calls it runs at once.</param>
/// <param name="Busy">How many it was running at its last heartbeat.</param>
/// <param name="Version">Its Spindle version.</param>
/// <param name="Heartbeat">When it last registered (it expires after three missed heartbeats).</param>
public sealed record ClusterAgentInfo(string Name, string Host, int Cores, int Workers, int Busy, string Version, DateTimeOffset Heartbeat);
