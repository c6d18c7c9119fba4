using System.Runtime.Versioning;
namespace Spindle.Shared;

/// <summary>
/// A named block of bytes every process of this user can map: create it in one process, open it by name (or pass it
/// to a worker) in others, and all see the same pages. The last process to dispose it (or to die) removes it.
/// </summary>
/// <remarks>
/// Spans and memories handed out stay valid until <see cref="Dispose"/>; using one after that is undefined, like any
/// pointer into unmapped memory, so dispose only when no view is in use.
/// </remarks>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedMemory : IDisposable, ISharedReference<SharedMemory>
{
    private readonly Segment _segment;
    private readonly SegmentMemoryManager<byte> _memory;

    private SharedMemory(Segment segment)
    {
        if (segment.DataLength > int.MaxValue)
        {
            segment.Dispose();
            throw new ArgumentOutOfRangeException(nameof(segment), $"Shared memory '{segment.Name}' is larger than {int.MaxValue} bytes; use a SharedArray<T> of a wider element.");
        }

        _segment = segment;
        _memory = new SegmentMemoryManager<byte>(segment, (int)segment.DataLength);
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => _segment.Name;

    /// <summary>Its size in bytes.</summary>
    public int Length
    {
        get
        {
            // Under a lease: after Dispose the header is unmapped (this threw NullReferenceException).
            using Segment.Lease lease = _segment.Use();
            return (int)_segment.DataLength;
        }
    }

    /// <summary>The bytes, shared with every process that opened it.</summary>
    public Span<byte> Span => _memory.GetSpan();

    /// <summary>The bytes as <see cref="Memory{T}"/>, for async code.</summary>
    public Memory<byte> Memory
    {
        get
        {
            _segment.ThrowIfDisposed();
            return _memory.Memory;
        }
    }

    string ISharedReference.Reference
    {
        get
        {
            _segment.ThrowIfDisposed();
            return Name;
        }
    }

    /// <summary>Creates zero-filled shared memory of <paramref name="length"/> bytes; a null name picks a unique one.</summary>
    public static SharedMemory Create(int length, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (name is not null)
        {
            SegmentDirectory.Validate(name, nameof(name));
        }

        return new SharedMemory(Segment.Create(name ?? SegmentDirectory.NewName(SharedObjectKind.Memory), SharedObjectKind.Memory, string.Empty, 1, length));
    }

    /// <summary>Opens shared memory another process created.</summary>
    public static SharedMemory Open(string name) =>
        new(Segment.Open(name, SharedObjectKind.Memory, string.Empty, 1, nameof(name)));

    static SharedMemory ISharedReference<SharedMemory>.OpenReference(string reference) => Open(reference);

    /// <summary>Unmaps it here; the last user to dispose (or die) removes it.</summary>
    public void Dispose() => _segment.Dispose();
}
