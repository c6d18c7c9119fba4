namespace Spindle.Ipc;

/// <summary>Settings for a <see cref="Connection"/>: pipe ends, and connections made by <see cref="Listener"/> and <see cref="Client"/>.</summary>
public sealed class ConnectionOptions
{
    /// <summary>The default for <see cref="MaxMessageBytes"/>: 64 MiB.</summary>
    public const int DefaultMaxMessageBytes = 64 << 20;

    private int _maxMessageBytes = DefaultMaxMessageBytes;
    private TimeSpan _handshakeTimeout = TimeSpan.FromSeconds(10);

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
    /// <value>The default is 10 seconds; a peer that does not finish in time is refused with an <see cref="System.Security.Authentication.AuthenticationException"/>.</value>
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

    internal static ConnectionOptions Default { get; } = new();
}
