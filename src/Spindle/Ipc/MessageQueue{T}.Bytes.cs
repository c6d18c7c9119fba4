using Spindle.Ipc.Queues;
using Spindle.Shared;

namespace Spindle.Ipc;

/// <summary>
/// Raw bytes without an array per message (reached through <see cref="MessageQueueBytes"/>, which only a
/// <c>MessageQueue&lt;byte[]&gt;</c> has): a sender copies from any span into the slot, a receiver copies from the slot
/// into its own buffer. A large message then costs one copy in and one copy out, and no fresh array whose pages the
/// kernel must fault in and the garbage collector must later sweep.
/// </summary>
public sealed unsafe partial class MessageQueue<T>
{
    /// <summary>Adds <paramref name="bytes"/> as one message, blocking while the queue is full.</summary>
    internal void EnqueueRaw(ReadOnlySpan<byte> bytes)
    {
        CheckRawSize(bytes.Length);
        var spinner = default(SpinWait);
        while (!TryPutRaw(bytes))
        {
            Pause(QueueSignal.Space(_header), _hasSpace, ref spinner);
        }
    }

    /// <summary>Adds <paramref name="bytes"/> as one message if there is room.</summary>
    internal bool TryEnqueueRaw(ReadOnlySpan<byte> bytes)
    {
        CheckRawSize(bytes.Length);
        return TryPutRaw(bytes);
    }

    /// <summary>Takes the oldest message into <paramref name="destination"/>, blocking while the queue is empty.</summary>
    internal int DequeueRaw(Span<byte> destination)
    {
        _segment.ThrowIfDisposed();
        var spinner = default(SpinWait);
        while (true)
        {
            if (TryTakeRaw(destination, out int length, out bool drained))
            {
                return length;
            }

            if (drained)
            {
                throw Drained();
            }

            Pause(QueueSignal.Items(_header), _hasItems, ref spinner);
        }
    }

    /// <summary>Takes the oldest message into <paramref name="destination"/> if there is one.</summary>
    internal bool TryDequeueRaw(Span<byte> destination, out int length)
    {
        _segment.ThrowIfDisposed();
        return TryTakeRaw(destination, out length, out _);
    }

    private void CheckRawSize(int length)
    {
        _segment.ThrowIfDisposed();
        if (length > _maxMessageBytes)
        {
            throw new MessageTooLargeException(length, _maxMessageBytes, "MessageQueueOptions.MaxMessageBytes");
        }
    }

    private bool TryPutRaw(ReadOnlySpan<byte> bytes) => TryPut(default, bytes, fromSource: true);

    /// <summary>Takes a message into <paramref name="destination"/>; one that does not fit stays in the queue.</summary>
    private bool TryTakeRaw(Span<byte> destination, out int length, out bool drained)
    {
        using Segment.Lease lease = _segment.Use();
        QueueLock.Enter(_header);
        try
        {
            long head = _header->Head;
            if (head == _header->Tail)
            {
                length = 0;
                drained = _header->Completed != 0;
                return false;
            }

            byte* slot = _workers + (head % _capacity * _stride);
            length = QueueSlot.Length(slot);
            if (length > destination.Length)
            {
                throw new ArgumentException(
                    $"The next message of {this} is {length} bytes but the destination holds {destination.Length}; it stays in the queue. Pass a buffer of at least MaxMessageBytes ({_maxMessageBytes}).",
                    nameof(destination));
            }

            try
            {
                // A message still streaming in is copied out chunk by chunk, as its writer finishes each.
                QueueSlot.CopyOut(slot, length, destination, this);
            }
            finally
            {
                // Consumed even if its writer died before finishing it: it must not block every consumer behind it.
                Volatile.Write(ref _header->Head, head + 1);
            }
        }
        finally
        {
            QueueLock.Exit(_header);
        }

        drained = false;
        QueueLock.Signal(QueueSignal.Space(_header));
        return true;
    }
}
