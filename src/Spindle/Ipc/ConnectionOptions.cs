using System.Runtime.Versioning;
namespace Spindle.Ipc;

/// <summary>Settings for a <see cref="Connection"/>: pipe ends, and connections made by <see cref="Listener"/> and <see cref="Client"/>.</summary>
[SupportedOSPlatform("linux")]
public sealed class ConnectionOptions
{
    /// <summary>The default for <see cref="MaxMessageBytes"/>: 64 MiB.</summary>
    public const int DefaultMaxMessageBytes = 64 << 20;

    private int _maxMessageBytes = DefaultMaxMessageBytes;
    /// <summary>The default for <see cref="MaxPendingHandshakes"/>: 128.</summary>
    public const int DefaultMaxPendingHandshakes = 128;

    private TimeSpan _handshakeTimeout = TimeSpan.FromSeconds(10);
    private int _maxPendingHandshakes = DefaultMaxPendingHandshakes;

    /// <summary>The largest message (its encoded bytes) this side sends or accepts.</summary>
    /// <value>The default is 64 MiB. A larger message is refused by the sender with <see cref="MessageTooLargeException"/>.</value>
    public int MaxMessageBytes
    {
        get => _maxMessageBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxMessageBytes));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Array.MaxLength - Connection.HeaderBytes, nameof(MaxMessageBytes));
            _maxMessageBytes = value;
        }
    }

    /// <summary>How long the authentication handshake of <see cref="Listener"/> and <see cref="Client"/> may take.</summary>
    /// <value>
    /// The default is 10 seconds. A client whose listener does not finish in time gets an
    /// <see cref="System.Security.Authentication.AuthenticationException"/>; a listener closes a connection that does not
    /// finish in time and counts it in <see cref="Listener.RejectedConnections"/>.
    /// </value>
    public TimeSpan HandshakeTimeout
    {
        get => _handshakeTimeout;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero, nameof(HandshakeTimeout));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, TimeSpan.FromDays(1), nameof(HandshakeTimeout));
            _handshakeTimeout = value;
        }
    }

    /// <summary>How many connections a <see cref="Listener"/> authenticates at once (connections that have not yet proven they hold the key).</summary>
    /// <value>
    /// The default is 128, at most 4096. When all are taken, the next connection waits in the kernel's backlog until
    /// one finishes, or until the oldest has had a quarter of a second, and then the oldest is dropped (closed, and
    /// counted in <see cref="Listener.RejectedConnections"/>). A real client answers within a round trip, so the
    /// connections dropped are the silent ones: a flood of them delays a real client (a quarter of a second for every
    /// this many connections queued ahead of it) instead of locking it out, and a burst of real clients larger than
    /// this waits its turn without pushing anyone out.
    /// </value>
    public int MaxPendingHandshakes
    {
        get => _maxPendingHandshakes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxPendingHandshakes));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 4096, nameof(MaxPendingHandshakes));
            _maxPendingHandshakes = value;
        }
    }

    internal static ConnectionOptions Default { get; } = new();
}
