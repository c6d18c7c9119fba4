using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Spindle.Calls;

namespace Spindle.Calls.Serialization;

/// <summary>
/// The fast path: strings as UTF-8, unmanaged values and one-dimensional arrays of unmanaged values as their raw
/// bytes. No JSON, no reflection per value. Both sides run the same assembly, so struct layouts agree.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2060", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static class BinaryCodec
{
    private delegate void Writer(IBufferWriter<byte> destination, object value);

    private delegate object Reader(ReadOnlySpan<byte> source);

    private sealed record Entry(Writer Write, Reader Read);

    private static readonly ConcurrentDictionary<Type, Entry?> Entries = new();

    private static readonly MethodInfo ScalarEntry = typeof(BinaryCodec).GetMethod(nameof(CreateScalarEntry), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly MethodInfo ArrayEntry = typeof(BinaryCodec).GetMethod(nameof(CreateArrayEntry), BindingFlags.NonPublic | BindingFlags.Static)!;

    private static readonly MethodInfo ContainsReferences = typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!;

    public static bool CanSerialize(Type type) => Find(type) is not null;

    public static void Serialize(IBufferWriter<byte> destination, object value, Type type) => Find(type)!.Write(destination, value);

    public static object Deserialize(ReadOnlySpan<byte> source, Type type) => Find(type)!.Read(source);

    /// <summary>Whether <paramref name="type"/> is a value type with no references inside (safe to copy as bytes).</summary>
    public static bool IsUnmanaged(Type type) =>
        type.IsValueType && !type.ContainsGenericParameters && !(bool)ContainsReferences.MakeGenericMethod(type).Invoke(null, null)!;

    private static Entry? Find(Type type) => Entries.GetOrAdd(type, Create);

    private static Entry? Create(Type type)
    {
        if (type == typeof(string))
        {
            return new Entry(
                static (d, v) => WriteString(d, (string)v),
                static s => Encoding.UTF8.GetString(s));
        }

        if (type.IsArray && type.GetArrayRank() == 1 && type == type.GetElementType()!.MakeArrayType() && IsUnmanaged(type.GetElementType()!))
        {
            return (Entry)ArrayEntry.MakeGenericMethod(type.GetElementType()!).Invoke(null, null)!;
        }

        if (IsUnmanaged(type) && !type.IsGenericTypeDefinition && Nullable.GetUnderlyingType(type) is null)
        {
            return (Entry)ScalarEntry.MakeGenericMethod(type).Invoke(null, null)!;
        }

        return null;
    }

    private static void WriteString(IBufferWriter<byte> destination, string value)
    {
        Span<byte> span = destination.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
        destination.Advance(Encoding.UTF8.GetBytes(value, span));
    }

    private static Entry CreateScalarEntry<T>()
        where T : unmanaged =>
        new(
            static (d, v) =>
            {
                T value = (T)v;
                MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).CopyTo(d.GetSpan(Unsafe.SizeOf<T>()));
                d.Advance(Unsafe.SizeOf<T>());
            },
            static s => s.Length == Unsafe.SizeOf<T>()
                ? MemoryMarshal.Read<T>(s)
                : throw new InvalidDataException($"Expected {Unsafe.SizeOf<T>()} bytes for {typeof(T)}, got {s.Length}."));

    private static Entry CreateArrayEntry<T>()
        where T : unmanaged =>
        new(
            static (d, v) =>
            {
                ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(((T[])v).AsSpan());
                bytes.CopyTo(d.GetSpan(bytes.Length));
                d.Advance(bytes.Length);
            },
            static s =>
            {
                if (s.Length % Unsafe.SizeOf<T>() != 0)
                {
                    throw new InvalidDataException($"{s.Length} bytes is not a whole number of {typeof(T)} ({Unsafe.SizeOf<T>()} bytes each).");
                }

                T[] array = GC.AllocateUninitializedArray<T>(s.Length / Unsafe.SizeOf<T>());
                s.CopyTo(MemoryMarshal.AsBytes(array.AsSpan()));
                return array;
            });
}
