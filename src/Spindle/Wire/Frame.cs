namespace Spindle.Wire;

/// <summary>The fixed header in front of every frame: payload length (little endian) and kind.</summary>
internal static class Frame
{
    public const int HeaderSize = 5;

    /// <summary>A connection that has not proven itself may not send more than this.</summary>
    public const int MaxHelloBytes = 256;

    /// <summary>The default for <see cref="WorkerPoolOptions.MaxMessageBytes"/>: 1 GiB.</summary>
    public const int DefaultMaxMessageBytes = 1 << 30;
}
