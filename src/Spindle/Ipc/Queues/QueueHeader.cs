using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Spindle.Ipc.Queues;

/// <summary>
/// The start of a queue's shared segment, followed by <see cref="Capacity"/> slots of <see cref="SlotBytes"/> each
/// (<c>[int length][int unused][payload]</c>). <see cref="Head"/> and <see cref="Tail"/> only grow; a message is
/// published or consumed by the single store that moves one of them, so a process that dies at any point leaves
/// the queue consistent (see <see cref="QueueLock"/> for how its lock is taken back).
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
[SupportedOSPlatform("linux")]
internal struct QueueHeader
{
    public const int Size = 256;

    /// <summary>The pid holding the lock, or 0.</summary>
    [FieldOffset(0)]
    public int Lock;

    /// <summary>How many threads sleep on <see cref="Lock"/> (so an unlock can skip the wake system call).</summary>
    [FieldOffset(4)]
    public int LockWaiters;

    /// <summary>Bumped after an enqueue when a consumer sleeps, and on completion: consumers sleep on it.</summary>
    [FieldOffset(64)]
    public int ItemsSignal;

    [FieldOffset(68)]
    public int ItemWaiters;

    /// <summary>1 while a consumer may be asleep and not yet woken, so a burst of enqueues makes one wake call, not one each.</summary>
    [FieldOffset(72)]
    public int ItemSleepers;

    /// <summary>Bumped after a dequeue when a producer sleeps waiting for room.</summary>
    [FieldOffset(128)]
    public int SpaceSignal;

    [FieldOffset(132)]
    public int SpaceWaiters;

    [FieldOffset(136)]
    public int SpaceSleepers;

    // Everything the lock holder touches shares the lock's cache line, so one transfer between cores brings it all.
    [FieldOffset(8)]
    public int Capacity;

    [FieldOffset(12)]
    public int SlotBytes;

    [FieldOffset(16)]
    public int Completed;

    [FieldOffset(24)]
    public long Head;

    [FieldOffset(32)]
    public long Tail;

    /// <summary>
    /// Slot header: the message length (−1 for null), how many of its bytes are written so far (a large message is
    /// published before it is all copied, see QueueSlot), the writer's pid, and padding to keep payloads 8-byte aligned.
    /// </summary>
    public const int SlotHeaderBytes = 16;

    public static long SlotStride(int maxMessageBytes) => SlotHeaderBytes + ((maxMessageBytes + 7L) & ~7L);
}
