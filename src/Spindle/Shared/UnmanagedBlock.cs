using System.Buffers;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Diagnostics.CodeAnalysis;
using Spindle.Calls;

namespace Spindle.Shared;

/// <summary>
/// A value that is one contiguous block of unmanaged elements: <c>T[]</c> (one dimension), <see cref="Memory{T}"/>
/// or <see cref="ReadOnlyMemory{T}"/> with <c>T</c> unmanaged. These are the values that can cross through shared
/// memory as raw bytes; this class knows, per type, how to see a value as bytes and how to make one from bytes.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2060", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal abstract unsafe class UnmanagedBlock
{
    private static readonly ConcurrentDictionary<Type, UnmanagedBlock?> Blocks = new();
    private static readonly MethodInfo CreateGeneric = typeof(UnmanagedBlock).GetMethod(nameof(Create), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Bytes per element.</summary>
    public abstract int ElementSize { get; }

    /// <summary>Whether the type is a <c>Memory</c>/<c>ReadOnlyMemory</c>, which can be a view over shared pages instead of a copy.</summary>
    public abstract bool IsView { get; }

    /// <summary>The block operations for <paramref name="type"/>, or null if its values are not one block of unmanaged elements.</summary>
    public static UnmanagedBlock? For(Type type) => Blocks.TryGetValue(type, out UnmanagedBlock? known) ? known : Blocks.GetOrAdd(type, Find);

    /// <summary>Pins the value's elements and says how many bytes they take.</summary>
    public abstract MemoryHandle Pin(object value, out long bytes);

    /// <summary>How many bytes the value's elements take.</summary>
    public abstract long ByteLength(object value);

    /// <summary>The value's bytes, if it lives in a shared segment (a <see cref="SharedArray{T}"/>'s memory): no copy is needed to share it.</summary>
    public abstract bool TryGetShared(object value, out Segment segment, out long offset, out long bytes);

    /// <summary>A new value holding a copy of <paramref name="bytes"/> bytes at <paramref name="source"/>.</summary>
    public abstract object Copy(byte* source, long bytes);

    /// <summary>
    /// A new value of <paramref name="bytes"/> bytes whose contents are left to a copy into <paramref name="pinned"/> (its
    /// elements, pinned until disposed); with <paramref name="prefault"/> false, the copy faults its pages in itself.
    /// </summary>
    public abstract object NewPinned(long bytes, out MemoryHandle pinned, bool prefault = true);

    /// <summary>A value over <paramref name="bytes"/> bytes of <paramref name="segment"/>'s data at <paramref name="offset"/>, without copying (views only).</summary>
    public abstract object View(Segment segment, long offset, long bytes);

    /// <summary>
    /// A new array to copy a value into, with its contents left to the copy. A large one (on the large-object heap,
    /// fresh from the system) has its pages faulted in at once (<see cref="Interop.SegmentNative.Prefault"/>).
    /// </summary>
    public static T[] NewArray<T>(int length)
        where T : unmanaged
    {
        T[] array = GC.AllocateUninitializedArray<T>(length);
        if ((long)length * sizeof(T) >= 4 << 20 && Interop.LinuxOnly.IsSupported)
        {
            fixed (T* start = array)
            {
                Interop.SegmentNative.Prefault(start, (long)length * sizeof(T));
            }
        }

        return array;
    }

    private static UnmanagedBlock? Find(Type type)
    {
        Type? element = type.IsArray && type.GetArrayRank() == 1 && type == type.GetElementType()!.MakeArrayType() ? type.GetElementType()
            : type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(Memory<>) || type.GetGenericTypeDefinition() == typeof(ReadOnlyMemory<>)) ? type.GetGenericArguments()[0]
            : null;
        return element is not null && Calls.Serialization.BinaryCodec.IsUnmanaged(element)
            ? (UnmanagedBlock)CreateGeneric.MakeGenericMethod(element).Invoke(null, [type])!
            : null;
    }

    private static UnmanagedBlock Create<T>(Type type)
        where T : unmanaged =>
        type.IsArray ? new ArrayBlock<T>() : type.GetGenericTypeDefinition() == typeof(Memory<>) ? new MemoryBlock<T>() : new ReadOnlyMemoryBlock<T>();

    /// <summary>What the three shapes share: everything goes through a <see cref="ReadOnlyMemory{T}"/>.</summary>
    private abstract class Block<T> : UnmanagedBlock
        where T : unmanaged
    {
        public override int ElementSize => sizeof(T);

        public override MemoryHandle Pin(object value, out long bytes)
        {
            ReadOnlyMemory<T> memory = AsMemory(value);
            bytes = (long)memory.Length * sizeof(T);
            return memory.Pin();
        }

        public override long ByteLength(object value) => (long)AsMemory(value).Length * sizeof(T);

        public override bool TryGetShared(object value, out Segment segment, out long offset, out long bytes)
        {
            ReadOnlyMemory<T> memory = AsMemory(value);
            if (MemoryMarshal.TryGetMemoryManager(memory, out SegmentMemoryManager<T>? manager, out int start, out int length))
            {
                // A view kept past its SharedArray's dispose: refused here, at the call site, as the array itself is
                // (it used to be sent, and failed in the worker, or worked through another open instance of the name).
                manager.Segment.ThrowIfDisposed();
                segment = manager.Segment;
                offset = manager.ByteOffset + ((long)start * sizeof(T));
                bytes = (long)length * sizeof(T);
                return true;
            }

            (segment, offset, bytes) = (null!, 0, 0);
            return false;
        }

        public override object Copy(byte* source, long bytes)
        {
            T[] array = NewArray<T>(checked((int)(bytes / sizeof(T))));

            // Not through a span: an array of wider elements can hold more than 2 GiB, which a span's length cannot say.
            fixed (T* target = array)
            {
                Buffer.MemoryCopy(source, target, bytes, bytes);
            }

            return FromArray(array);
        }

        public override object NewPinned(long bytes, out MemoryHandle pinned, bool prefault = true)
        {
            int length = checked((int)(bytes / sizeof(T)));
            T[] array = prefault ? NewArray<T>(length) : GC.AllocateUninitializedArray<T>(length);
            pinned = array.AsMemory().Pin();
            return FromArray(array);
        }

        public override object View(Segment segment, long offset, long bytes) =>
            FromMemory(new SegmentMemoryManager<T>(segment, checked((int)(bytes / sizeof(T))), offset).Memory);

        protected abstract ReadOnlyMemory<T> AsMemory(object value);

        protected abstract object FromArray(T[] array);

        protected abstract object FromMemory(Memory<T> memory);
    }

    private sealed class ArrayBlock<T> : Block<T>
        where T : unmanaged
    {
        public override bool IsView => false;

        protected override ReadOnlyMemory<T> AsMemory(object value) => (T[])value;

        protected override object FromArray(T[] array) => array;

        protected override object FromMemory(Memory<T> memory) => memory.ToArray();
    }

    private sealed class MemoryBlock<T> : Block<T>
        where T : unmanaged
    {
        public override bool IsView => true;

        protected override ReadOnlyMemory<T> AsMemory(object value) => Unsafe.Unbox<Memory<T>>(value);

        protected override object FromArray(T[] array) => new Memory<T>(array);

        protected override object FromMemory(Memory<T> memory) => memory;
    }

    private sealed class ReadOnlyMemoryBlock<T> : Block<T>
        where T : unmanaged
    {
        public override bool IsView => true;

        protected override ReadOnlyMemory<T> AsMemory(object value) => Unsafe.Unbox<ReadOnlyMemory<T>>(value);

        protected override object FromArray(T[] array) => new ReadOnlyMemory<T>(array);

        protected override object FromMemory(Memory<T> memory) => (ReadOnlyMemory<T>)memory;
    }
}
