using Spindle.Ipc.Queues;
using Spindle.Wire;

namespace Spindle.Ipc;

/// <summary>Encoding a message before it goes into a slot.</summary>
public sealed partial class MessageQueue<T>
{
    /// <summary>
    /// A message ready to be copied into a slot: either the value itself (its size known up front, so it is written
    /// straight into shared memory) or its encoding in this thread's scratch buffer (or a copy of it).
    /// </summary>
    private readonly struct Outgoing(T value, int length, byte[]? encoded, WireWriter? scratch)
    {
        public T Value { get; } = value;

        /// <summary>The encoded length, or -1 for null.</summary>
        public int Length { get; } = length;

        public bool Direct => encoded is null && scratch is null;

        public ReadOnlySpan<byte> Encoded => encoded ?? scratch!.WrittenSpan;

        /// <summary>Keeps the encoding past an await (the scratch buffer belongs to the thread).</summary>
        public Outgoing Detached() => scratch is null ? this : new(Value, Length, scratch.WrittenSpan.ToArray(), null);
    }

    private Outgoing Encode(T item)
    {
        _segment.ThrowIfDisposed();
        if (item is null)
        {
            return new Outgoing(item, -1, [], null);
        }

        int length = MessageCodec<T>.DirectSize(item);
        WireWriter? scratch = null;
        if (length < 0)
        {
            scratch = QueueScratch.Encode(item, out _);
            length = scratch.Length;
        }

        if (length > _maxMessageBytes)
        {
            throw new MessageTooLargeException(length, _maxMessageBytes, "MessageQueueOptions.MaxMessageBytes");
        }

        return new Outgoing(item, length, null, scratch);
    }
}
