using System.Runtime.CompilerServices;
using System.Runtime.Versioning;

namespace Spindle.Shared;

/// <summary>Creates and opens <see cref="SharedArray{T}"/>s.</summary>
[SupportedOSPlatform("linux")]
public static class SharedArray
{
    /// <summary>Creates a zero-filled shared array of <paramref name="length"/> elements; a null name picks a unique one.</summary>
    public static SharedArray<T> Create<T>(long length, string? name = null)
        where T : unmanaged => SharedArray<T>.Create(length, name);

    /// <summary>Creates a shared array holding a copy of <paramref name="values"/>, which must hold at least one element (as a shared array does).</summary>
    public static SharedArray<T> Create<T>(ReadOnlySpan<T> values, string? name = null)
        where T : unmanaged
    {
        if (values.IsEmpty)
        {
            // Not an array of one zero: Length would then say 1 for an empty input.
            throw new ArgumentException("values is empty; a shared array holds at least one element.", nameof(values));
        }

        SharedArray<T> array = SharedArray<T>.Create(values.Length, name, zeroed: false);
        values.CopyTo(array.Span);
        return array;
    }

    /// <summary>Opens a shared array another process created; fails clearly if it holds another element type.</summary>
    public static SharedArray<T> Open<T>(string name)
        where T : unmanaged => SharedArray<T>.Open(name);
}

/// <summary>
/// An array of unmanaged values in shared memory. Passed to a worker it is not copied: the worker maps the same
/// pages, so writes on either side are seen by the other at once. Returned by a worker's call, it is handed over to
/// the caller, again without a copy: the caller owns (and disposes) what it gets, and the worker's use of it ends.
/// </summary>
/// <typeparam name="T">The element type; both processes must agree on it (checked by name and size when opened).</typeparam>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedArray<T> : IDisposable, ISharedReference<SharedArray<T>>, ISegmentBacked
    where T : unmanaged
{
    private readonly Segment _segment;
    private readonly SegmentMemoryManager<T> _memory;

    private SharedArray(Segment segment)
    {
        _segment = segment;
        long length = segment.DataLength / sizeof(T);
        Length = length;
        _memory = new SegmentMemoryManager<T>(segment, (int)Math.Min(length, int.MaxValue));
    }

    /// <summary>The name other processes open it by.</summary>
    public string Name => _segment.Name;

    /// <summary>How many elements it holds.</summary>
    public long Length { get; }

    /// <summary>The elements, shared with every process that opened the array.</summary>
    public Span<T> Span => _memory.GetSpan();

    /// <summary>The elements as <see cref="Memory{T}"/>, for async code.</summary>
    public Memory<T> Memory
    {
        get
        {
            _segment.ThrowIfDisposed();
            return _memory.Memory;
        }
    }

    /// <summary>One element.</summary>
    public ref T this[long index]
    {
        get
        {
            _segment.ThrowIfDisposed();
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)index, (ulong)Length, nameof(index));
            return ref ((T*)_segment.Data)[index];
        }
    }

    Segment ISegmentBacked.Segment => _segment;

    string ISharedReference.Reference
    {
        get
        {
            _segment.ThrowIfDisposed();
            return Name;
        }
    }

    internal static SharedArray<T> Create(long length, string? name, bool zeroed = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        if (name is not null)
        {
            SegmentDirectory.Validate(name, nameof(name));
        }

        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A shared array holds at most {Array.MaxLength} elements.");
        }

        if (name is null && HandedOverArrays.TakeUnused(ElementTypeName, Unsafe.SizeOf<T>(), length * sizeof(T)) is { } reused)
        {
            // An array this process handed over before, and whose receiver has let go of it (see HandedOverArrays).
            var recycled = new SharedArray<T>(reused) { _recyclable = true };
            if (zeroed)
            {
                recycled.Span.Clear();
            }

            return recycled;
        }

        var created = new SharedArray<T>(Segment.Create(name ?? SegmentDirectory.NewName(SharedObjectKind.Array), SharedObjectKind.Array, ElementTypeName, Unsafe.SizeOf<T>(), length * sizeof(T)));
        created._recyclable = name is null;
        return created;
    }

    /// <summary>Whether this process created it without a name, so it can be reused once handed over and let go of.</summary>
    private bool _recyclable;

    bool ISegmentBacked.Recyclable => _recyclable;

    internal static SharedArray<T> Open(string name) =>
        new(Segment.Open(name, SharedObjectKind.Array, ElementTypeName, Unsafe.SizeOf<T>(), nameof(name)));

    /// <summary>Opens an array a worker handed over as its result: the use the worker added for this process becomes this instance's.</summary>
    internal static SharedArray<T> Adopt(string name) =>
        new(Segment.OpenKeepingMapping(name, SharedObjectKind.Array, ElementTypeName, Unsafe.SizeOf<T>(), adopt: true));

    static SharedArray<T> ISharedReference<SharedArray<T>>.OpenReference(string reference) => Open(reference);

    private static string ElementTypeName => Segment.TypeNameOf(typeof(T));

    /// <summary>Copies the elements into a new managed array.</summary>
    public T[] ToArray() => Span.ToArray();

    /// <summary>Unmaps it here; the last user to dispose (or die) removes it.</summary>
    public void Dispose() => _segment.Dispose();
}
