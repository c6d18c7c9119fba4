using System.Buffers;

namespace Spindle.Shared;

/// <summary>Lets a shared segment's data be a <see cref="Memory{T}"/>; a span taken after disposal throws.</summary>
internal sealed unsafe class SegmentMemoryManager<T> : MemoryManager<T>
    where T : unmanaged
{
    private readonly Segment _segment;
    private readonly int _length;

    public SegmentMemoryManager(Segment segment, int length)
    {
        _segment = segment;
        _length = length;
    }

    public override Span<T> GetSpan()
    {
        _segment.ThrowIfDisposed();
        return new Span<T>(_segment.Data, _length);
    }

    public override MemoryHandle Pin(int elementIndex = 0)
    {
        _segment.ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)elementIndex, (uint)_length, nameof(elementIndex));
        return new MemoryHandle((T*)_segment.Data + elementIndex);
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
