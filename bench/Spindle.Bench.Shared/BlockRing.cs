using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Spindle.Shared;
using Spindle.Sync;

namespace Spindle.Bench.Shared;

/// <summary>
/// A single-producer single-consumer ring of fixed-size blocks in a <see cref="SharedArray{T}"/>: what a SharedArray
/// user writes to stream data to another process. Every block is handed over on its own: its first 8 bytes are a
/// sequence stamp, written last (a release store) after the rest of the block; the consumer waits for the stamp it
/// expects and then uses the block in place. The hand-off rides on the block's own cache line, so while both sides
/// are busy it costs no atomic instruction and no system call. The consumer returns slots by publishing how many
/// blocks it is done with, every quarter ring, in a control SharedArray (each word on its own cache line). A side
/// that finds nothing to do spins briefly, then sleeps on an auto-reset <see cref="SharedEvent"/> that the other
/// side sets when a "waiting" flag says someone sleeps. The consumer takes small blocks a group at a time: it waits
/// for the stamp 32 KiB ahead (or the last block's), so it does not chase the producer line by line; each block's own
/// stamp is still checked before it is used. A block larger than 64 KiB is published piece by piece (a count of
/// 64 KiB pieces written, in the control array) so the consumer reads each piece while it is still in the caches;
/// the whole block still ends up in its slot.
/// </summary>
internal sealed class BlockRing : IDisposable
{
    private const int Consumed = 0;
    private const int ConsumerWaiting = 8;
    private const int ProducerWaiting = 16;
    private const int ResultChecksum = 24;
    private const int ResultBlocks = 25;
    private const int BlockBytes = 32;
    private const int SlotCount = 33;
    private const int Progress = 40;
    private const int ControlWords = 48;

    /// <summary>Blocks larger than this are published piece by piece as they are written.</summary>
    private const int PieceBytes = 64 << 10;
    private const int SpinRounds = 30;

    /// <summary>The consumer takes small blocks once this many bytes of them are ready (or the stream ends).</summary>
    private const int TakeBytes = 32 << 10;

    private static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(30);

    private BlockRing(SharedArray<byte> data, SharedArray<long> control, SharedEvent dataReady, SharedEvent spaceReady)
    {
        Data = data;
        Control = control;
        DataReady = dataReady;
        SpaceReady = spaceReady;
    }

    public SharedArray<byte> Data { get; }

    public SharedArray<long> Control { get; }

    public SharedEvent DataReady { get; }

    public SharedEvent SpaceReady { get; }

    public int Block => (int)Control[BlockBytes];

    public int Slots => (int)Control[SlotCount];

    /// <summary>Creates a ring of <paramref name="slots"/> blocks (a power of two) of <paramref name="blockBytes"/> (a multiple of 8).</summary>
    public static BlockRing Create(int blockBytes, int slots)
    {
        if (!int.IsPow2(slots))
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "The slot count must be a power of two.");
        }

        if (blockBytes < 8 || blockBytes % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(blockBytes), blockBytes, "A block holds whole 8-byte words, at least one.");
        }

        var ring = new BlockRing(
            SharedArray.Create<byte>((long)blockBytes * slots),
            SharedArray.Create<long>(ControlWords),
            SharedEvent.Create(EventResetMode.AutoReset),
            SharedEvent.Create(EventResetMode.AutoReset));
        ring.Control[BlockBytes] = blockBytes;
        ring.Control[SlotCount] = slots;
        return ring;
    }

    private static int PiecesPer(int block) => block > PieceBytes ? block / PieceBytes : 1;

    /// <summary>The consumer's side, in the worker, from the objects the producer passed.</summary>
    public static BlockRing Attach(SharedArray<byte> data, SharedArray<long> control, SharedEvent dataReady, SharedEvent spaceReady) =>
        new(data, control, dataReady, spaceReady);

    /// <summary>
    /// Writes blocks <paramref name="first"/> to <paramref name="end"/> (exclusive): each is <paramref name="source"/>
    /// (private memory) stamped with its sequence number plus one in the first 8 bytes, so every block differs and
    /// a stale slot is never taken for a new one. Returns once the consumer has used them all.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Produce(byte[] source, long first, long end)
    {
        Span<byte> ring = Data.Span;
        Span<long> control = Control.Span;
        int block = Block, mask = Slots - 1, pieces = PiecesPer(block);
        ReadOnlySpan<byte> payload = source.AsSpan(8);
        long free = first + Slots;
        for (long i = first; i < end; i++)
        {
            if (i == free)
            {
                free = WaitFor(control, Consumed, i - mask, ProducerWaiting, SpaceReady, ConsumerWaiting, DataReady) + mask + 1;
            }

            Span<byte> slot = ring.Slice((int)(i & mask) * block, block);
            if (pieces == 1)
            {
                payload.CopyTo(slot[8..]);
                Volatile.Write(ref Unsafe.As<byte, long>(ref MemoryMarshal.GetReference(slot)), i + 1);
                WakeIfWaiting(control, ConsumerWaiting, DataReady);
                continue;
            }

            // A large block: each piece is published as soon as it is written, so the consumer reads it while it is
            // still in the caches instead of after the whole block has gone out to memory.
            MemoryMarshal.Write(slot, i + 1);
            for (int p = 0; p < pieces; p++)
            {
                int from = Math.Max(8, p * PieceBytes);
                payload[(from - 8)..((p + 1) * PieceBytes - 8)].CopyTo(slot[from..((p + 1) * PieceBytes)]);
                Volatile.Write(ref control[Progress], (i * pieces) + p + 1);
                WakeIfWaiting(control, ConsumerWaiting, DataReady);
            }
        }

        // A full fence, then the check again: a consumer that went to sleep just before the last stamp became
        // visible is woken now (while the producer keeps going, its next block's check would do it).
        Interlocked.MemoryBarrier();
        WakeIfWaiting(control, ConsumerWaiting, DataReady);
        WaitFor(control, Consumed, end, ProducerWaiting, SpaceReady, ConsumerWaiting, DataReady);
    }

    /// <summary>
    /// Reads blocks <paramref name="first"/> to <paramref name="end"/> in place (a vectorised sum of all their 8-byte
    /// words), waiting for each one's stamp, and leaves the total and the block count for the producer to verify.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Consume(long first, long end)
    {
        ReadOnlySpan<byte> ring = Data.Span;
        Span<long> control = Control.Span;
        int block = Block, mask = Slots - 1, publishEvery = Math.Max(1, Slots / 4), toPublish = publishEvery;
        int ahead = Math.Min(Slots / 2, TakeBytes / block), pieces = PiecesPer(block);
        ulong total = 0;
        long ready = first - 1;
        for (long i = first; i < end; i++)
        {
            ReadOnlySpan<byte> slot = ring.Slice((int)(i & mask) * block, block);
            if (pieces > 1)
            {
                for (int p = 0; p < pieces; p++)
                {
                    long target = (i * pieces) + p + 1;
                    if (Volatile.Read(ref control[Progress]) < target)
                    {
                        WaitForStamp(ref control[Progress], target, i, control);
                    }

                    total += Checksum.Sum(slot.Slice(p * PieceBytes, PieceBytes));
                }

                ready = i;
            }
            else if (i > ready)
            {
                // Stamps are written in order: once a later block's is there, every block up to it is complete.
                long target = Math.Min(i + ahead, end - 1);
                ref long stamp = ref Unsafe.As<byte, long>(ref MemoryMarshal.GetReference(ring.Slice((int)(target & mask) * block, block)));
                if (Volatile.Read(ref stamp) < target + 1)
                {
                    WaitForStamp(ref stamp, target + 1, i, control);
                }

                ready = target;
            }

            if (MemoryMarshal.Read<long>(slot) != i + 1)
            {
                throw new InvalidDataException($"Slot {i & mask} held stamp {MemoryMarshal.Read<long>(slot)} where block {i} should be.");
            }

            if (pieces == 1)
            {
                total += Checksum.Sum(slot);
            }

            if (--toPublish == 0)
            {
                Publish(control, i + 1);
                toPublish = publishEvery;
            }
        }

        control[ResultChecksum] = (long)total;
        control[ResultBlocks] = end - first;
        Publish(control, end);
    }

    /// <summary>Checks what the consumer summed against what the producer wrote.</summary>
    public void Verify(byte[] source, long first, long end)
    {
        long blocks = end - first;
        ulong payload = Checksum.Sum(source.AsSpan(8));
        ulong stamps = (ulong)(((Int128)first + 1 + end) * blocks / 2);
        ulong expected = (payload * (ulong)blocks) + stamps;
        if (Control[ResultBlocks] != blocks || (ulong)Control[ResultChecksum] != expected)
        {
            throw new InvalidDataException($"The consumer read {Control[ResultBlocks]} blocks summing to {(ulong)Control[ResultChecksum]:x}; expected {blocks} summing to {expected:x}.");
        }
    }

    public void Dispose()
    {
        Data.Dispose();
        Control.Dispose();
        DataReady.Dispose();
        SpaceReady.Dispose();
    }

    private void Publish(Span<long> control, long consumed)
    {
        // Interlocked: a full fence, so either the producer sees the count before it sleeps, or this sees its flag.
        Interlocked.Exchange(ref control[Consumed], consumed);
        WakeIfWaiting(control, ProducerWaiting, SpaceReady);
    }

    private static void WakeIfWaiting(Span<long> control, int waitingFlag, SharedEvent wake)
    {
        if (Volatile.Read(ref control[waitingFlag]) != 0 && Interlocked.Exchange(ref control[waitingFlag], 0) != 0)
        {
            wake.Set();
        }
    }

    /// <summary>Waits until <paramref name="stamp"/> (a block's stamp, or the piece count) reaches <paramref name="expected"/>.</summary>
    private void WaitForStamp(ref long stamp, long expected, long consumed, Span<long> control)
    {
        var spinner = default(SpinWait);
        for (int round = 0; round < SpinRounds; round++)
        {
            if (Volatile.Read(ref stamp) >= expected)
            {
                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        while (true)
        {
            Interlocked.Exchange(ref control[ConsumerWaiting], 1);
            if (Volatile.Read(ref stamp) >= expected)
            {
                return;
            }

            // The producer may be waiting for slots this side has used but not yet returned.
            Publish(control, consumed);
            if (!DataReady.TryWait(StallLimit))
            {
                throw new TimeoutException($"No block arrived for {StallLimit.TotalSeconds} s.");
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="counter"/> reaches <paramref name="target"/>; returns the count seen. Before
    /// sleeping it wakes the other side if that one sleeps too (its wake-up may have been missed; see Produce).
    /// </summary>
    private static long WaitFor(Span<long> control, int counter, long target, int waitingFlag, SharedEvent wake, int otherFlag, SharedEvent otherWake)
    {
        var spinner = default(SpinWait);
        for (int round = 0; round < SpinRounds; round++)
        {
            long seen = Volatile.Read(ref control[counter]);
            if (seen >= target)
            {
                return seen;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        while (true)
        {
            Interlocked.Exchange(ref control[waitingFlag], 1);
            long seen = Volatile.Read(ref control[counter]);
            if (seen >= target)
            {
                return seen;
            }

            WakeIfWaiting(control, otherFlag, otherWake);
            if (!wake.TryWait(StallLimit))
            {
                throw new TimeoutException($"The consumer returned no slot for {StallLimit.TotalSeconds} s.");
            }
        }
    }
}
