using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Runtime.Versioning;
using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>
/// The argument road through shared memory: a large block of unmanaged values (<c>T[]</c>, <see cref="Memory{T}"/>,
/// <see cref="ReadOnlyMemory{T}"/>; see <see cref="UnmanagedBlock"/>) goes to a worker process through a segment
/// instead of the channel. The caller copies it into a segment and sends the segment's name and the byte count
/// (copy 1 of 2); the worker maps the segment and copies it into its own array for a <c>T[]</c> parameter (copy 2),
/// or hands a <c>Memory</c> parameter a view over the mapped pages (no second copy). A <c>Memory</c> that already
/// lives in shared memory (a <see cref="SharedArray{T}"/>'s) is not copied at all: only its name and range travel.
/// </summary>
/// <remarks>
/// The caller keeps its segment until the call has finished for good (retries included), then keeps it for the next
/// large value (<see cref="SegmentCache"/>): a fresh tmpfs segment costs far more (page allocation and zeroing) than
/// the copy itself. The worker keeps its mappings of them too (<see cref="HandoffMappings"/>). So a view handed to the
/// delegate is valid for the call only: after it, its pages may hold a later call's argument. A view over a
/// <see cref="SharedArray{T}"/> belongs to the call (<see cref="SharedReferences.CallScope"/>) and throws after it.
/// </remarks>
internal static unsafe class ArrayHandoff
{
    /// <summary>How handoff segments' names start.</summary>
    public const string NamePrefix = "handoff";

    [ThreadStatic]
    private static bool _collecting;

    // Created on the first large array only: most calls have none, and this is on every call's path.
    [ThreadStatic]
    private static List<Segment>? _segments;

    // The ids of arguments left pinned for the cross-memory road (CrossMemory.PinnedArguments), likewise.
    [ThreadStatic]
    private static List<long>? _pinned;

    /// <summary>Starts collecting the segments the values written on this thread use; the caller gives them back.</summary>
    public static Collection Begin()
    {
        _collecting = true;
        _segments = null;
        _pinned = null;
        return default;
    }

    /// <summary>Whether a call's arguments are being written on this thread (the only time values take this road).</summary>
    public static bool Collecting => _collecting && LinuxOnly.IsSupported;

    /// <summary>Whether <paramref name="value"/> should travel through shared memory: a collection is open and it is at least <paramref name="threshold"/> bytes.</summary>
    public static bool Wants(object value, UnmanagedBlock block, long threshold)
    {
        return Collecting && block.ByteLength(value) >= threshold;
    }

    /// <summary>Records an argument pinned for the cross-memory road, for the call to let go of when it is over.</summary>
    public static void AddPinned(long id) => (_pinned ??= []).Add(id);

    /// <summary>Copies <paramref name="value"/> into a segment and writes the byte count and the segment's name.</summary>
    public static void Write(IBufferWriter<byte> writer, object value, UnmanagedBlock block)
    {
        if (!LinuxOnly.IsSupported)
        {
            // Wants never picks shared memory off Linux, and only a Linux worker writes a handoff.
            throw LinuxOnly.NotSupported("Handing an array to a worker through shared memory", "use Isolation.Thread on other systems");
        }

        using MemoryHandle pinned = block.Pin(value, out long bytes);
        Segment segment = SegmentCache.Take(bytes);
        (_segments ??= []).Add(segment);
        Buffer.MemoryCopy(pinned.Pointer, segment.Data, segment.DataLength, bytes);
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), bytes);
        writer.Advance(8);
        WriteReference(writer, segment);
    }

    /// <summary>Opens the segment named in <paramref name="payload"/>: a view over it for a <c>Memory</c>, else a copy of it.</summary>
    [SupportedOSPlatform("linux")]
    public static object Read(ReadOnlySpan<byte> payload, Type type)
    {
        UnmanagedBlock block = UnmanagedBlock.For(type) ?? throw new InvalidDataException($"{type} is not an array or memory of unmanaged values, yet it was sent through shared memory.");
        long bytes = BinaryPrimitives.ReadInt64LittleEndian(payload);
        string reference = Encoding.UTF8.GetString(payload[8..]);
        Segment segment = HandoffMappings.Get(reference);
        Check(segment, bytes, 0, block);
        return block.IsView ? block.View(segment, 0, bytes) : block.Copy(segment.Data, bytes);
    }

    /// <summary>
    /// Writes a <c>Memory</c> that lives in a shared segment as a reference to its bytes there: nothing is copied,
    /// and the worker's view shares the pages with the caller (writes are seen on both sides).
    /// </summary>
    public static void WriteShared(IBufferWriter<byte> writer, Segment segment, long offset, long bytes)
    {
        Span<byte> head = writer.GetSpan(25);
        BinaryPrimitives.WriteInt64LittleEndian(head, offset);
        BinaryPrimitives.WriteInt64LittleEndian(head[8..], bytes);
        head[16] = (byte)segment.Kind;
        BinaryPrimitives.WriteInt32LittleEndian(head[17..], segment.ElementSize);
        BinaryPrimitives.WriteInt32LittleEndian(head[21..], Encoding.UTF8.GetByteCount(segment.TypeName));
        writer.Advance(25);
        Encoding.UTF8.GetBytes(segment.TypeName, writer);
        Encoding.UTF8.GetBytes(segment.Name, writer);
    }

    /// <summary>Opens the segment a <see cref="WriteShared"/> payload names, for the call, and returns a view over the range.</summary>
    [SupportedOSPlatform("linux")]
    public static object ReadShared(ReadOnlySpan<byte> payload, Type type)
    {
        UnmanagedBlock block = UnmanagedBlock.For(type) is { IsView: true } view ? view
            : throw new InvalidDataException($"{type} cannot be a view over shared memory, yet one was sent.");
        long offset = BinaryPrimitives.ReadInt64LittleEndian(payload);
        long bytes = BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
        var kind = (SharedObjectKind)payload[16];
        int elementSize = BinaryPrimitives.ReadInt32LittleEndian(payload[17..]);
        int typeNameLength = BinaryPrimitives.ReadInt32LittleEndian(payload[21..]);
        string typeName = Encoding.UTF8.GetString(payload.Slice(25, typeNameLength));
        string name = Encoding.UTF8.GetString(payload[(25 + typeNameLength)..]);
        Segment segment = SharedReferences.OpenForCall(name, n => LinuxOnly.IsSupported ? Segment.OpenKeepingMapping(n, kind, typeName, elementSize, adopt: false) : throw new PlatformNotSupportedException());
        Check(segment, bytes, offset, block);
        return block.View(segment, offset, bytes);
    }

    /// <summary>Writes how a peer maps an anonymous segment: its label and its <see cref="Segment.Reference"/>, space apart.</summary>
    public static void WriteReference(IBufferWriter<byte> writer, Segment segment) =>
        Encoding.UTF8.GetBytes($"{segment.Name} {segment.Reference}", writer);

    /// <summary>Maps the anonymous segment a <see cref="WriteReference"/> string names.</summary>
    [SupportedOSPlatform("linux")]
    public static Segment OpenAnonymous(string reference)
    {
        int space = reference.IndexOf(' ', StringComparison.Ordinal);
        return space > 0
            ? Segment.OpenAnonymous(reference[..space], reference[(space + 1)..])
            : throw new InvalidDataException($"'{reference}' does not name an anonymous shared segment.");
    }

    private static void Check(Segment segment, long bytes, long offset, UnmanagedBlock block)
    {
        if (bytes < 0 || offset < 0 || offset + bytes > segment.DataLength || bytes % block.ElementSize != 0 || offset % block.ElementSize != 0)
        {
            throw new InvalidDataException($"A shared-memory value of {bytes} bytes at {offset} does not fit {segment.Description} or is not a whole number of {block.ElementSize}-byte elements.");
        }
    }

    /// <summary>The segments and pinned arguments one call's values used, collected on the calling thread.</summary>
    public readonly struct Collection : IDisposable
    {
        /// <summary>What the call holds, for the caller to let go of when the call is over; null if it holds nothing.</summary>
        public Held? Taken => _segments is null && _pinned is null ? null : new Held(_segments, _pinned);

        /// <summary>Stops collecting on this thread (what was collected stays in use).</summary>
        public void Dispose()
        {
            _collecting = false;
            _segments = null;
            _pinned = null;
        }
    }

    /// <summary>A call's handoff segments and pinned arguments, let go of together once the call is over for good.</summary>
    public sealed class Held(List<Segment>? segments, List<long>? pinned)
    {
        /// <summary>Gives the segments back to the cache and unpins the arguments.</summary>
        public void Release()
        {
            if (segments is not null)
            {
                SegmentCache.Return(segments);
            }

            foreach (long id in pinned ?? [])
            {
                CrossMemory.PinnedArguments.Release(id);
            }
        }
    }
}
