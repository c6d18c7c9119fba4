using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.Versioning;

namespace Spindle.Shared;

/// <summary>
/// The result road through shared memory, in a worker process: a result that is a large block of unmanaged values
/// (see <see cref="UnmanagedBlock"/>) is copied into one of the worker's own segments, its slots, and only the slot's
/// name and the byte count travel in the result frame. The parent copies the value out straight into the array its
/// caller gets (<see cref="ResultArenaReader"/>) and marks the slot free; the worker writes its next large result there.
/// </summary>
/// <remarks>
/// <para>
/// A slot grows to the largest result it has carried (powers of two) and is reused after that, so a steady stream of
/// 64 MiB results costs no new mapping, no page allocation and no managed buffer per call. A slot the parent has not
/// finished reading is never written; with calls sent ahead, a second slot takes the next result, and if all
/// <see cref="MaxSlots"/> are still being read, the worker waits for the oldest (the parent frees it with a futex wake).
/// </para>
/// <para>
/// Layout of a slot: the first page of its data is the slot's state word (free, or held by the parent), the value
/// starts on the next page. Slots are anonymous segments (<see cref="Segment.CreateAnonymous"/>): they have no name in
/// the shared-memory directory, so nothing is left behind whichever side dies; the parent closes its mappings of a dead
/// worker's slots when the worker's exit is reported.
/// </para>
/// </remarks>
[SupportedOSPlatform("linux")]
internal sealed unsafe class ResultArena : IDisposable
{
    /// <summary>How result slots' names start.</summary>
    public const string NamePrefix = "result";

    /// <summary>The page before the value: the slot's state word.</summary>
    public const int ControlBytes = 4096;

    /// <summary>The most slots a worker keeps: more than one only when the parent reads results behind the worker.</summary>
    public const int MaxSlots = 4;

    /// <summary>State word: the parent may have the value; the worker must not write the slot.</summary>
    public const int Held = 1;

    /// <summary>State word: the worker may write the slot.</summary>
    public const int Free = 0;

    /// <summary>How long a result waits for the parent to free a slot before it takes the channel instead.</summary>
    private static readonly TimeSpan SlotWaitLimit = TimeSpan.FromSeconds(5);

    private readonly Segment?[] _slots = new Segment?[MaxSlots];
    private readonly long[] _writtenAt = new long[MaxSlots];
    private readonly Lock _gate = new();
    private long _writes;
    private bool _disposed;

    public ResultArena(long threshold)
    {
        Threshold = threshold;
    }

    /// <summary>Results of at least this many bytes take the arena (<c>WorkerPoolOptions.SharedMemoryThreshold</c>).</summary>
    public long Threshold { get; }

    /// <summary>Whether <paramref name="value"/> is large enough for the arena.</summary>
    public bool Wants(object value, UnmanagedBlock block) => block.ByteLength(value) >= Threshold;

    /// <summary>
    /// Copies <paramref name="value"/> into a free slot and writes the byte count, the slot and its name; false (nothing
    /// written) if every slot stayed held by the parent for seconds.
    /// </summary>
    public bool TryWrite(IBufferWriter<byte> writer, object value, UnmanagedBlock block)
    {
        using MemoryHandle pinned = block.Pin(value, out long bytes);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            int slot = Pick(bytes);
            if (slot < 0 && (slot = WaitForSlot()) >= 0)
            {
                slot = Grow(slot, bytes);
            }

            if (slot < 0)
            {
                return false;
            }

            Segment segment = _slots[slot]!;
            Buffer.MemoryCopy(pinned.Pointer, segment.Data + ControlBytes, segment.DataLength - ControlBytes, bytes);
            Volatile.Write(ref *(int*)segment.Data, Held);
            _writtenAt[slot] = ++_writes;
            Span<byte> head = writer.GetSpan(12);
            BinaryPrimitives.WriteInt64LittleEndian(head, bytes);
            BinaryPrimitives.WriteInt32LittleEndian(head[8..], slot);
            writer.Advance(12);
            ArrayHandoff.WriteReference(writer, segment);
            return true;
        }
    }

    /// <summary>Closes every slot (the parent closes its side when it sees this worker's exit).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            for (int i = 0; i < _slots.Length; i++)
            {
                _slots[i]?.Dispose();
                _slots[i] = null;
            }
        }
    }

    /// <summary>
    /// Every slot is held (the parent reads results behind the worker): waits for the oldest, which the parent frees
    /// first since it reads results in order. -1 if it stays held past <see cref="SlotWaitLimit"/>.
    /// </summary>
    private int WaitForSlot()
    {
        int oldest = 0;
        for (int i = 1; i < _slots.Length; i++)
        {
            oldest = _writtenAt[i] < _writtenAt[oldest] ? i : oldest;
        }

        int* state = (int*)_slots[oldest]!.Data;
        long deadline = Environment.TickCount64 + (long)SlotWaitLimit.TotalMilliseconds;
        while (Volatile.Read(ref *state) == Held)
        {
            long left = deadline - Environment.TickCount64;
            if (left <= 0)
            {
                return -1;
            }

            Interop.Futex.Wait(state, Held, TimeSpan.FromMilliseconds(Math.Min(left, 100)));
        }

        return oldest;
    }

    /// <summary>A free slot big enough; else a free slot grown, or a new slot; -1 if every slot is held.</summary>
    private int Pick(long bytes)
    {
        int free = -1;
        int empty = -1;
        for (int i = 0; i < _slots.Length; i++)
        {
            Segment? segment = _slots[i];
            if (segment is null)
            {
                empty = empty < 0 ? i : empty;
            }
            else if (Volatile.Read(ref *(int*)segment.Data) == Free)
            {
                if (segment.DataLength - ControlBytes >= bytes)
                {
                    return i;
                }

                free = free < 0 ? i : free;
            }
        }

        int target = free >= 0 ? free : empty;
        return target < 0 ? -1 : Grow(target, bytes);
    }

    /// <summary>Replaces slot <paramref name="target"/> with one that holds <paramref name="bytes"/> if it is smaller.</summary>
    private int Grow(int target, long bytes)
    {
        if (_slots[target] is { } kept && kept.DataLength - ControlBytes >= bytes)
        {
            return target;
        }

        // Replaced, not resized: the parent may still map the old one; it lets go when it sees the slot's new name.
        _slots[target]?.Dispose();
        _slots[target] = null;
        long capacity = Math.Max(4096, (long)BitOperations.RoundUpToPowerOf2((ulong)bytes));
        _slots[target] = Segment.CreateAnonymous(SegmentDirectory.NewName(NamePrefix), ControlBytes + capacity);
        return target;
    }
}
