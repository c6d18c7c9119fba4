using System.Buffers;

namespace Spindle.Shared;

/// <summary>Lets a shared segment's data (or part of it) be a <see cref="Memory{T}"/>; a span taken after disposal throws.</summary>
internal sealed unsafe class SegmentMemoryManager<T> : MemoryManager<T>
    where T : unmanaged
{
    private readonly int _length;

    public SegmentMemoryManager(Segment segment, int length, long byteOffset = 0)
    {
        Segment = segment;
        _length = length;
        ByteOffset = byteOffset;
    }

    /// <summary>The segment the memory lives in.</summary>
    public Segment Segment { get; }

    /// <summary>Where the memory starts in the segment's data.</summary>
    public long ByteOffset { get; }

    public override Span<T> GetSpan()
    {
        Segment.ThrowIfDisposed();
        return new Span<T>(Segment.Data + ByteOffset, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        Segment.ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle((T*)(Segment.Data + ByteOffset) + elementIndex);
    }

    public override void Unpin()
    {
        // Shared memory never moves.
    }

    protected override void Dispose(bool disposing)
    {
        // The segment owns the mapping.
    }
}
