using System.Collections.Concurrent;
using NATS.Client.Core;
using Spindle.Cluster.Nats;

namespace Spindle.Cluster.Agent;

/// <summary>
/// Calls of a client that speaks another protocol version (<see cref="ClusterHeaders.Protocol"/>: a client of another
/// Spindle version, as in the middle of an upgrade), which this agent might misread, or answer in a way their caller
/// cannot read. Through the stream none reaches it: each version's calls have a subject of their own, and this agent's
/// consumer takes only its own (<see cref="ClusterNames.CallsOf"/>). A direct offer of another version is answered
/// "busy" (its caller then sends it to the stream, where an agent of its version takes it), and the first such offer of
/// each client is logged, naming both versions.
/// </summary>
internal sealed partial class ClusterAgent
{
    /// <summary>Clients whose offers of another version this agent has logged (one line each, for the first few).</summary>
    private readonly ConcurrentDictionary<string, bool> _otherVersionClients = new(StringComparer.Ordinal);

    /// <summary>How many clients of another version are logged at most: a long-lived agent's table stays small.</summary>
    private const int OtherVersionClientsLogged = 100;

    /// <summary>Null when this agent speaks the protocol of a call with <paramref name="headers"/>; otherwise, in words, the two versions.</summary>
    private static string? OtherVersion(NatsHeaders? headers)
    {
        string? protocol = OptionalHeader(headers, ClusterHeaders.Protocol);
        if (protocol == ClusterHeaders.ProtocolText)
        {
            return null;
        }

        string theirs = protocol is null
            ? "no protocol version (a Spindle version before them)"
            : $"protocol {protocol} (Spindle {OptionalHeader(headers, ClusterHeaders.Version) ?? "of unknown version"})";
        return $"its calls speak {theirs}, this agent protocol {ClusterHeaders.ProtocolText} (Spindle {ClusterHeaders.SpindleVersion})";
    }

    private void NoteOtherVersion(string? client, string why)
    {
        if (_otherVersionClients.Count < OtherVersionClientsLogged && _otherVersionClients.TryAdd(client ?? "", true))
        {
            _options.Log.WriteLine($"spindle agent {Name}: leaves the calls of client {client ?? "(unnamed)"} to an agent of their version: {why}. Run agents and clients of the same Spindle version.");
        }
    }
}
