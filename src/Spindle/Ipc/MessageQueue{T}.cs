using System.Diagnostics.CodeAnalysis;
using System.Runtime.Versioning;
using Spindle.Calls;
using Spindle.Ipc.Queues;
using Spindle.Shared;
using Spindle.Sync;
using Spindle.Wire;

namespace Spindle.Ipc;

/// <summary>
/// A bounded first-in first-out queue in shared memory, for any number of producers and consumers in any number of
/// processes and threads. Producers wait while it is full, consumers while it is empty; <see cref="Complete"/> lets
/// consumers drain what is left and then stop. Pass it to a worker as an argument and the worker opens the same queue.
/// </summary>
/// <remarks>
/// A message is copied into a slot (up to <see cref="MaxMessageBytes"/>) and taken out by exactly one consumer: the
/// single store that moves the head is the moment it is consumed, so a consumer process that dies between messages
/// loses nothing and duplicates nothing. Waiting sleeps in the kernel (futex) on the queue's own memory.
/// A message from 256 KiB on is published before it is all copied and streams into its slot, so its consumer copies it
/// out while it is still coming in; a producer that dies half-way loses that message alone, and the consumer that took
/// it gets an <see cref="InvalidDataException"/> naming the producer. A <c>MessageQueue&lt;byte[]&gt;</c> also sends
/// spans and receives into kept buffers (<see cref="MessageQueueBytes"/>).
/// </remarks>
/// <typeparam name="T">The message type; every process must open the queue with the same one (checked by name).</typeparam>
[SupportedOSPlatform("linux")]
[RequiresUnreferencedCode(DynamicCode.Values)]
[RequiresDynamicCode(DynamicCode.Values)]
public sealed unsafe partial class MessageQueue<T> : IDisposable, IAsyncDisposable, ISharedReference<MessageQueue<T>>
{
    private readonly Segment _segment;
    private readonly QueueHeader* _header;
    private readonly byte* _workers;
    private readonly long _stride;
    private readonly int _capacity;
    private readonly int _maxMessageBytes;
    private readonly Func<bool> _hasItems;
    private readonly Func<bool> _hasSpace;
    private SignalWatcher? _itemsWatcher;
    private SignalWatcher? _spaceWatcher;

    private MessageQueue(Segment segment)
    {
        _segment = segment;
        _header = (QueueHeader*)segment.Data;
        _workers = segment.Data + QueueHeader.Size;
        _capacity = _header->Capacity;
        _maxMessageBytes = _header->SlotBytes;
        _stride = QueueHeader.SlotStride(_maxMessageBytes);
        _hasItems = HasItems;
        _hasSpace = HasSpace;
        segment.Disposing = StopWatchers;
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => _segment.Name;

    /// <summary>How many messages it holds before producers wait.</summary>
    public int Capacity => _capacity;

    /// <summary>The largest encoded message it accepts.</summary>
    public int MaxMessageBytes => _maxMessageBytes;

    /// <summary>How many messages are waiting (a snapshot).</summary>
    public int Count
    {
        get
        {
            using Segment.Lease lease = _segment.Use();
            return (int)(Volatile.Read(ref _header->Tail) - Volatile.Read(ref _header->Head));
        }
    }

    /// <summary>Whether <see cref="Complete"/> was called (by any process): no more messages may be added.</summary>
    public bool IsAddingCompleted
    {
        get
        {
            using Segment.Lease lease = _segment.Use();
            return Volatile.Read(ref _header->Completed) != 0;
        }
    }

    /// <summary>How many threads, in any process, are registered to sleep until a message arrives (for tests and diagnostics).</summary>
    internal int SleepingConsumers
    {
        get
        {
            using Segment.Lease lease = _segment.Use();
            return Volatile.Read(ref _header->ItemWaiters);
        }
    }

    /// <summary>The newest message's length and how many of its bytes are written yet (for tests of streamed messages); null when empty.</summary>
    internal (int Length, int Written)? NewestMessage
    {
        get
        {
            using Segment.Lease lease = _segment.Use();
            long tail = Volatile.Read(ref _header->Tail);
            if (tail == Volatile.Read(ref _header->Head))
            {
                return null;
            }

            byte* slot = _workers + ((tail - 1) % _capacity * _stride);
            return (QueueSlot.Length(slot), QueueSlot.WrittenSoFar(slot));
        }
    }

    /// <summary>Whether the queue is completed and drained: consumers will get nothing more.</summary>
    public bool IsCompleted => IsAddingCompleted && Count == 0;

    string ISharedReference.Reference
    {
        get
        {
            _segment.ThrowIfDisposed();
            return Name;
        }
    }

    [UnconditionalSuppressMessage("Trimming", "IL2046", Justification = DynamicCode.EngineJustification)]
    [UnconditionalSuppressMessage("AOT", "IL3051", Justification = DynamicCode.EngineJustification)]
    static MessageQueue<T> ISharedReference<MessageQueue<T>>.OpenReference(string reference) => Open(reference);

    private static string TypeName => typeof(T).FullName ?? typeof(T).Name;

    internal static MessageQueue<T> Create(MessageQueueOptions options, string? name)
    {
        if (name is not null)
        {
            SegmentDirectory.Validate(name, nameof(name));
        }

        long stride = QueueHeader.SlotStride(options.MaxMessageBytes);
        if (stride * options.Capacity > 64L << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"Capacity × (MaxMessageBytes + a slot's header) ({options.Capacity} × {stride} bytes) exceeds 64 GiB of shared memory; lower one of them.");
        }

        Segment segment = Segment.Create(name ?? SegmentDirectory.NewName(SharedObjectKind.MessageQueue), SharedObjectKind.MessageQueue, TypeName, 0, QueueHeader.Size + (stride * options.Capacity));
        var header = (QueueHeader*)segment.Data;
        header->Capacity = options.Capacity;
        header->SlotBytes = options.MaxMessageBytes;
        return new MessageQueue<T>(segment);
    }

    internal static MessageQueue<T> Open(string name) =>
        new(Segment.Open(name, SharedObjectKind.MessageQueue, TypeName, 0, nameof(name)));

    /// <summary>Adds <paramref name="item"/> if there is room; false if the queue is full.</summary>
    /// <exception cref="MessageTooLargeException">The encoded message exceeds <see cref="MaxMessageBytes"/>.</exception>
    /// <exception cref="QueueCompletedException">The queue was completed.</exception>
    public bool TryEnqueue(T item) => TryPut(Encode(item));

    /// <summary>Adds <paramref name="item"/>, blocking while the queue is full.</summary>
    /// <exception cref="MessageTooLargeException">The encoded message exceeds <see cref="MaxMessageBytes"/>.</exception>
    /// <exception cref="QueueCompletedException">The queue was completed.</exception>
    public void Enqueue(T item)
    {
        Outgoing message = Encode(item);
        var spinner = default(SpinWait);
        while (true)
        {
            if (TryPut(message))
            {
                QueueScratch.Trim();
                return;
            }

            Pause(QueueSignal.Space(_header), _hasSpace, ref spinner);
        }
    }

    /// <summary>Takes the oldest message if there is one.</summary>
    public bool TryDequeue(out T item) => TryTake(out item, out _);

    /// <summary>Takes the oldest message, blocking while the queue is empty.</summary>
    /// <exception cref="QueueCompletedException">The queue is completed and drained.</exception>
    public T Dequeue()
    {
        var spinner = default(SpinWait);
        while (true)
        {
            if (TryTake(out T item, out bool drained))
            {
                return item;
            }

            if (drained)
            {
                throw Drained();
            }

            Pause(QueueSignal.Items(_header), _hasItems, ref spinner);
        }
    }

    /// <summary>Marks the queue complete for every process: adding fails from now on; consumers drain what is left, then stop.</summary>
    public void Complete()
    {
        using Segment.Lease lease = _segment.Use();
        QueueLock.Enter(_header);
        Volatile.Write(ref _header->Completed, 1);
        QueueLock.Exit(_header);
        QueueLock.Signal(QueueSignal.Items(_header));
        QueueLock.Signal(QueueSignal.Space(_header));
    }

    /// <summary>Closes this process's use of the queue; the last process to close it (or die) removes it.</summary>
    public void Dispose() => _segment.Dispose();

    /// <summary>Closes this process's use of the queue (see <see cref="Dispose"/>).</summary>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public override string ToString() => $"MessageQueue<{Calls.TypeNames.Display(typeof(T))}> '{Name}'";

    /// <summary>Adds a message if there is room.</summary>
    private bool TryPut(in Outgoing message)
    {
        // byte[] and encoded messages have their bytes at hand, so a large one can stream into its slot.
        ReadOnlySpan<byte> source = !message.Direct ? message.Encoded
            : typeof(T) == typeof(byte[]) && message.Length > 0 ? (byte[])(object)message.Value! : default;
        return TryPut(message, source, source.Length == message.Length);
    }

    /// <summary>
    /// Adds a message if there is room: <paramref name="source"/> when <paramref name="fromSource"/>, else the value
    /// written directly. A large one is published before it is copied and then streamed in (see <see cref="QueueSlot"/>).
    /// </summary>
    private bool TryPut(in Outgoing message, ReadOnlySpan<byte> source, bool fromSource)
    {
        int length = fromSource ? source.Length : message.Length;
        bool streamed = fromSource && length >= QueueSlot.StreamBytes;
        using Segment.Lease lease = _segment.Use();
        byte* slot;
        QueueLock.Enter(_header);
        try
        {
            if (_header->Completed != 0)
            {
                throw new QueueCompletedException($"{this} was completed: no more messages may be added.");
            }

            long tail = _header->Tail;
            if (tail - _header->Head >= _capacity)
            {
                return false;
            }

            slot = _workers + (tail % _capacity * _stride);
            QueueSlot.Begin(slot, length);
            if (!streamed)
            {
                if (fromSource)
                {
                    source.CopyTo(QueueSlot.Payload(slot, length));
                }
                else if (length > 0)
                {
                    MessageCodec<T>.WriteDirect(QueueSlot.Payload(slot, length), message.Value);
                }

                QueueSlot.WrittenBeforePublishing(slot, length);
            }

            Volatile.Write(ref _header->Tail, tail + 1);
        }
        finally
        {
            QueueLock.Exit(_header);
        }

        QueueLock.Signal(QueueSignal.Items(_header));
        if (streamed)
        {
            // Outside the lock: a consumer copies each chunk out while the next one is copied in.
            QueueSlot.Stream(slot, source);
        }

        return true;
    }

    /// <summary>Takes a message if there is one.</summary>
    private bool TryTake(out T item, out bool drained)
    {
        using Segment.Lease lease = _segment.Use();
        QueueLock.Enter(_header);
        long head;
        try
        {
            head = _header->Head;
            if (head == _header->Tail)
            {
                item = default!;
                drained = _header->Completed != 0;
                return false;
            }

            byte* slot = _workers + (head % _capacity * _stride);
            int length = QueueSlot.Length(slot);
            try
            {
                if (typeof(T) == typeof(byte[]) && length >= QueueSlot.StreamBytes)
                {
                    // A large array is filled chunk by chunk while its writer may still be streaming it in.
                    byte[] bytes = UnmanagedBlock.NewArray<byte>(length);
                    QueueSlot.CopyOut(slot, length, bytes, this);
                    item = (T)(object)bytes;
                }
                else
                {
                    QueueSlot.WaitWritten(slot, length, length, this);
                    item = length < 0 ? default! : MessageCodec<T>.Read(QueueSlot.Payload(slot, length));
                }
            }
            finally
            {
                // Consumed even if it cannot be decoded: a bad message must not block every consumer behind it.
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

    private QueueCompletedException Drained() => new($"{this} is completed and drained: no more messages will come.");

    private void StopWatchers()
    {
        _itemsWatcher?.Dispose();
        _spaceWatcher?.Dispose();
        QueueLock.Signal(QueueSignal.Items(_header));
        QueueLock.Signal(QueueSignal.Space(_header));
    }
}
