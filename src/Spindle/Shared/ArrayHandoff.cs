using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;

namespace Spindle.Shared;

/// <summary>
/// Sends a large array of unmanaged values to a worker process through shared memory instead of the channel: the
/// caller copies it into a new segment and sends the segment's name; the worker copies it out into its own array and
/// closes the segment. The caller keeps the segment open until the call has finished for good (retries included),
/// then closes it, which removes it.
/// </summary>
internal static unsafe class ArrayHandoff
{
    /// <summary>How handoff segments' names start.</summary>
    public const string NamePrefix = "handoff";

    [ThreadStatic]
    private static List<IDisposable>? _collecting;

    /// <summary>Starts collecting the segments the values written on this thread create; the caller owns them.</summary>
    public static Collection Begin() => new(_collecting = []);

    /// <summary>Whether <paramref name="array"/> should travel through shared memory: a collection is open and it is at least <paramref name="threshold"/> bytes.</summary>
    public static bool Wants(Array array, Type elementType, long threshold) =>
        _collecting is not null && (long)array.Length * Marshal.SizeOf(elementType) >= threshold;

    /// <summary>Copies <paramref name="array"/> into a new segment and writes the segment's name.</summary>
    public static void Write(IBufferWriter<byte> writer, Array array, Type elementType)
    {
        int elementSize = Marshal.SizeOf(elementType);
        long bytes = (long)array.Length * elementSize;
        Segment segment = Segment.Create(SegmentDirectory.NewName(NamePrefix), SharedObjectKind.Array, Segment.TypeNameOf(elementType), elementSize, bytes);
        _collecting!.Add(segment);
        Bytes(array, bytes).CopyTo(new Span<byte>(segment.Data, checked((int)bytes)));
        Encoding.UTF8.GetBytes(segment.Name, writer);
    }

    /// <summary>Opens the segment named in <paramref name="payload"/> and copies it into a new array of <paramref name="arrayType"/>.</summary>
    public static Array Read(ReadOnlySpan<byte> payload, Type arrayType)
    {
        Type elementType = arrayType.GetElementType()!;
        int elementSize = Marshal.SizeOf(elementType);
        using Segment segment = Segment.Open(Encoding.UTF8.GetString(payload), SharedObjectKind.Array, Segment.TypeNameOf(elementType), elementSize);
        long bytes = segment.DataLength;
        var array = Array.CreateInstance(elementType, bytes / elementSize);
        new ReadOnlySpan<byte>(segment.Data, checked((int)bytes)).CopyTo(Bytes(array, bytes));
        return array;
    }

    private static Span<byte> Bytes(Array array, long bytes) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), checked((int)bytes));

    /// <summary>The segments one call's values created.</summary>
    public readonly struct Collection(List<IDisposable> segments) : IDisposable
    {
        /// <summary>The segments, for the caller to close when the call is over; null if none were made.</summary>
        public List<IDisposable>? Segments => segments.Count > 0 ? segments : null;

        /// <summary>Stops collecting on this thread (the segments stay open).</summary>
        public void Dispose() => _collecting = null;
    }
}
