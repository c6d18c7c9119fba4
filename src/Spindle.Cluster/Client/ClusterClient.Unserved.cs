using System.Globalization;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace Spindle.Cluster.Client;

/// <summary>
/// Calls wait in the stream until an agent of this pool's protocol version takes them: with none registered (none
/// started yet, all stopped, all upgraded to another version) they would wait in silence until their timeout, or for
/// ever with none. The lost-call loop, which looks at the waiting calls every few seconds, asks here: once calls stored
/// at least <see cref="_unservedWarnAfterMs"/> ago still wait, the registry is read, and with no agent of this version
/// in it the pool warns once, naming the cluster, how many calls wait, and the agents of other versions. It warns again
/// only after no call has waited that long (an agent took them, or they ended).
/// </summary>
internal sealed partial class ClusterClient
{
    private long _unservedWarnAfterMs = 30_000;
    private bool _unservedWarned;

    /// <summary>For tests: warn of calls no agent can take after this long instead of 30 s.</summary>
    internal void WarnOfUnservedCallsAfter(TimeSpan after) => Volatile.Write(ref _unservedWarnAfterMs, (long)after.TotalMilliseconds);

    /// <summary>Called by the lost-call loop only (one at a time): warns once when long-waiting calls have no agent that can take them.</summary>
    private async Task WarnIfUnservedAsync()
    {
        long after = Volatile.Read(ref _unservedWarnAfterMs);
        int waiting = StoredAndWaiting(after).Count;
        if (waiting == 0)
        {
            _unservedWarned = false;
            return;
        }

        if (_unservedWarned)
        {
            return;
        }

        IReadOnlyList<ClusterAgentInfo> agents;
        try
        {
            // Bounded: the lost-call loop this runs on must not wait on the registry for long.
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            bounded.CancelAfter(Nats.ClusterConnection.MinRequestTimeout);
            agents = await ListAgentsAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or System.Text.Json.JsonException || e is OperationCanceledException && !_stopping.IsCancellationRequested)
        {
            // Only a warning: asked again at the next look.
            return;
        }

        if (agents.Any(a => a.Protocol.ToString(CultureInfo.InvariantCulture) == _protocol))
        {
            // Agents of this version are registered: busy ones, or the calls are being taken now.
            return;
        }

        _unservedWarned = true;
        string others = agents.Count == 0 ? "none"
            : string.Join(", ", agents.Select(a => $"{a.Name} (protocol {a.Protocol}, Spindle {a.Version})"));
        LogUnserved(waiting, TimeSpan.FromMilliseconds(after), _names.Cluster, _protocol, Nats.ClusterHeaders.SpindleVersion, others);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Waiting} call(s) have waited {After} or longer in cluster {Cluster}, and no agent of cluster protocol {Protocol} " +
        "(Spindle {Version}) is registered to take them; registered agents of other versions: {Others}. They wait in the stream, bounded by their " +
        "timeouts, until an agent of this version starts (spindle agent --cluster {Cluster}).")]
    private partial void LogUnserved(int waiting, TimeSpan after, string cluster, string protocol, string version, string others);
}
