using System.Collections.Concurrent;
using System.Globalization;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// Calls of a client that speaks another protocol version (<see cref="ClusterHeaders.Protocol"/>: a client of another
/// Spindle version, as in the middle of an upgrade): not run here, since this agent may misread them or answer in a way
/// their caller cannot read. A stream message goes back at once, for an agent of its version to take, and this agent
/// pauses before fetching again, so that agent finds it first and two versions side by side do not pass it back and
/// forth; a direct offer is "busy". The first such call of each client is logged, naming both versions.
/// </summary>
internal sealed partial class ClusterAgent
{
    /// <summary>How long a worker of this agent stays away from the stream after it put back a call of another version.</summary>
    private static readonly TimeSpan OtherVersionPause = TimeSpan.FromSeconds(1);

    private static readonly string ProtocolText = ClusterHeaders.ProtocolVersion.ToString(CultureInfo.InvariantCulture);

    /// <summary>Clients whose calls of another version this agent has logged (once each).</summary>
    private readonly ConcurrentDictionary<string, bool> _otherVersionClients = new(StringComparer.Ordinal);

    /// <summary>Null when this agent speaks the protocol of a call with <paramref name="headers"/>; otherwise, in words, the two versions.</summary>
    private static string? OtherVersion(NatsHeaders? headers)
    {
        string? protocol = OptionalHeader(headers, ClusterHeaders.Protocol);
        if (protocol == ProtocolText)
        {
            return null;
        }

        string theirs = protocol is null
            ? "no protocol version (a Spindle version before them)"
            : $"protocol {protocol} (Spindle {OptionalHeader(headers, ClusterHeaders.Version) ?? "of unknown version"})";
        return $"its calls speak {theirs}, this agent protocol {ProtocolText} (Spindle {ClusterHeaders.SpindleVersion})";
    }

    /// <summary>Puts back a stream message of another version and keeps its worker away from the stream for a moment.</summary>
    private async Task PutBackOtherVersionAsync(CallDelivery message, string why)
    {
        NoteOtherVersion(OptionalHeader(message, ClusterHeaders.Client), why);
        await TryAsync(() => message.NakAsync(TimeSpan.Zero)).ConfigureAwait(false);
        await Task.Delay(OtherVersionPause, _closed.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void NoteOtherVersion(string? client, string why)
    {
        if (_otherVersionClients.TryAdd(client ?? "", true))
        {
            _options.Log.WriteLine($"spindle agent {Name}: leaves the calls of client {client ?? "(unnamed)"} to an agent of their version: {why}. Run agents and clients of the same Spindle version.");
        }
    }
}
