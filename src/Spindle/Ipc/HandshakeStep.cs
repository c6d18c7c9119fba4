using System.Runtime.Versioning;

namespace Spindle.Ipc;

/// <summary>Where a <see cref="ListenerHandshake"/> stands after the bytes it has read.</summary>
[SupportedOSPlatform("linux")]
internal enum HandshakeStep
{
    /// <summary>Waiting for more bytes from the peer.</summary>
    Pending,

    /// <summary>Both sides proved they hold the key: the socket becomes a <see cref="Connection"/>.</summary>
    Authenticated,

    /// <summary>Wrong key, garbage, or the peer left: the socket is closed and counted.</summary>
    Refused,
}
