using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using Spindle.Calls;
using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>
/// Sends a large array of unmanaged values to a worker process through shared memory instead of the channel: the
/// caller copies it into a segment and sends the segment's name and the byte count; the worker copies it out into
/// its own array and closes the segment. The caller keeps the segment until the call has finished for good (retries
/// included), then keeps it for the next large array (<see cref="SegmentCache"/>): a fresh tmpfs segment costs far
/// more (page allocation and zeroing) than the copy itself.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2060", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static unsafe class ArrayHandoff
{
    /// <summary>How handoff segments' names start.</summary>
    public const string NamePrefix = "handoff";

    private static readonly ConcurrentDictionary<Type, Func<int, Array>> Allocators = new();
    private static readonly MethodInfo AllocateGeneric = typeof(ArrayHandoff).GetMethod(nameof(Allocate), BindingFlags.NonPublic | BindingFlags.Static)!;

    [ThreadStatic]
    private static bool _collecting;

    // Created on the first large array only: most calls have none, and this is on every call's path.
    [ThreadStatic]
    private static List<Segment>? _segments;

    /// <summary>Starts collecting the segments the values written on this thread use; the caller gives them back.</summary>
    public static Collection Begin()
    {
        _collecting = true;
        _segments = null;
        return default;
    }

    /// <summary>Whether <paramref name="array"/> should travel through shared memory: a collection is open and it is at least <paramref name="threshold"/> bytes.</summary>
    public static bool Wants(Array array, Type elementType, long threshold) =>
        _collecting && LinuxOnly.IsSupported && (long)array.Length * Marshal.SizeOf(elementType) >= threshold;

    /// <summary>Copies <paramref name="array"/> into a segment and writes the byte count and the segment's name.</summary>
    public static void Write(IBufferWriter<byte> writer, Array array, Type elementType)
    {
        if (!LinuxOnly.IsSupported)
        {
            // Wants never picks shared memory off Linux, and only a Linux worker writes a handoff.
            throw LinuxOnly.NotSupported("Handing an array to a worker through shared memory", "use Isolation.Thread on other systems");
        }

        long bytes = (long)array.Length * Marshal.SizeOf(elementType);
        Segment segment = SegmentCache.Take(bytes);
        (_segments ??= []).Add(segment);
        Bytes(array, bytes).CopyTo(new Span<byte>(segment.Data, checked((int)bytes)));
        BinaryPrimitives.WriteInt64LittleEndian(writer.GetSpan(8), bytes);
        writer.Advance(8);
        Encoding.UTF8.GetBytes(segment.Name, writer);
    }

    /// <summary>Opens the segment named in <paramref name="payload"/> and copies it into a new array of <paramref name="arrayType"/>.</summary>
    public static Array Read(ReadOnlySpan<byte> payload, Type arrayType)
    {
        if (!LinuxOnly.IsSupported)
        {
            // Wants never picks shared memory off Linux, and only a Linux worker writes a handoff.
            throw LinuxOnly.NotSupported("Handing an array to a worker through shared memory", "use Isolation.Thread on other systems");
        }

        Type elementType = arrayType.GetElementType()!;
        long bytes = BinaryPrimitives.ReadInt64LittleEndian(payload);
        using Segment segment = Segment.Open(Encoding.UTF8.GetString(payload[8..]), SharedObjectKind.Memory, string.Empty, 1);
        if (bytes < 0 || bytes > segment.DataLength || bytes % Marshal.SizeOf(elementType) != 0)
        {
            throw new InvalidDataException($"A shared-memory argument of {bytes} bytes does not fit {segment.Description} or is not a whole number of {elementType}.");
        }

        Array array = Allocators.GetOrAdd(elementType, static t => AllocateGeneric.MakeGenericMethod(t).CreateDelegate<Func<int, Array>>())(checked((int)(bytes / Marshal.SizeOf(elementType))));
        new ReadOnlySpan<byte>(segment.Data, checked((int)bytes)).CopyTo(Bytes(array, bytes));
        return array;
    }

    private static Array Allocate<T>(int length) => GC.AllocateUninitializedArray<T>(length);

    private static Span<byte> Bytes(Array array, long bytes) =>
        MemoryMarshal.CreateSpan(ref MemoryMarshal.GetArrayDataReference(array), checked((int)bytes));

    /// <summary>The segments one call's values used, collected on the calling thread.</summary>
    public readonly struct Collection : IDisposable
    {
        /// <summary>The segments, for the caller to give back when the call is over; null if none were used.</summary>
        public List<Segment>? Segments => _segments;

        /// <summary>Stops collecting on this thread (the segments stay in use).</summary>
        public void Dispose()
        {
            _collecting = false;
            _segments = null;
        }
    }
}
