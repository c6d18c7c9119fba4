using System.Runtime.Versioning;
namespace Spindle.Ipc;

/// <summary>Settings for a new <see cref="MessageQueue{T}"/>; a queue opened by name takes its creator's.</summary>
[SupportedOSPlatform("linux")]
public sealed class MessageQueueOptions
{
    private int _capacity = 256;
    private int _maxMessageBytes = 64 * 1024;

    /// <summary>How many messages the queue holds before producers wait.</summary>
    /// <value>The default is 256; at most 1,048,576. The queue reserves <see cref="Capacity"/> × <see cref="MaxMessageBytes"/> of shared memory.</value>
    public int Capacity
    {
        get => _capacity;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(Capacity));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1 << 20, nameof(Capacity));
            _capacity = value;
        }
    }

    /// <summary>The largest encoded message; each slot reserves this much shared memory.</summary>
    /// <value>
    /// The default is 64 KiB; at most 1 GiB, and <see cref="Capacity"/> × (this + 16 bytes, each slot's header) at most
    /// 64 GiB.
    /// </value>
    public int MaxMessageBytes
    {
        get => _maxMessageBytes;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(MaxMessageBytes));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1 << 30, nameof(MaxMessageBytes));
            _maxMessageBytes = value;
        }
    }

    internal static MessageQueueOptions Default { get; } = new();
}
