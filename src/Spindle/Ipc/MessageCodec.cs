using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using System.Text;
using System.Text.Json;
using Spindle.Calls;
using Spindle.Calls.Serialization;

namespace Spindle.Ipc;

/// <summary>
/// How a message of type <typeparamref name="T"/> becomes bytes: unmanaged values as their raw bytes (no allocation),
/// strings as UTF-8, <c>byte[]</c> as itself, arrays of unmanaged values through <see cref="BinaryCodec"/>, anything
/// else as JSON. Every message carries <see cref="Tag"/>, a stable hash of the type's name, so a receiver expecting
/// another type finds out instead of misreading the bytes.
/// </summary>
[SupportedOSPlatform("linux")]
[RequiresUnreferencedCode(DynamicCode.Values)]
[RequiresDynamicCode(DynamicCode.Values)]
internal static class MessageCodec<T>
{
    private static readonly Kind Format = Choose();

    /// <summary>The type's tag on the wire; raw bytes (and <c>byte[]</c>) are 0.</summary>
    public static readonly int Tag = typeof(T) == typeof(byte[]) ? MessageTags.RawBytes : MessageTags.Register(typeof(T));

    private enum Kind
    {
        Unmanaged,
        Bytes,
        Text,
        Binary,
        Json,
    }

    /// <summary>Appends <paramref name="value"/> (never null) to <paramref name="destination"/>.</summary>
    public static void Write(IBufferWriter<byte> destination, T value, ref Utf8JsonWriter? json)
    {
        switch (Format)
        {
            case Kind.Unmanaged:
                Unsafe.WriteUnaligned(ref destination.GetSpan(Unsafe.SizeOf<T>())[0], value);
                destination.Advance(Unsafe.SizeOf<T>());
                break;
            case Kind.Bytes:
                destination.Write((byte[])(object)value!);
                break;
            case Kind.Text:
                string text = (string)(object)value!;
                destination.Advance(Encoding.UTF8.GetBytes(text, destination.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));
                break;
            case Kind.Binary:
                BinaryCodec.Serialize(destination, value!, typeof(T));
                break;
            default:
                if (json is null)
                {
                    json = new Utf8JsonWriter(destination);
                }
                else
                {
                    json.Reset(destination);
                }

                DynamicCode.ThrowIfUnsupported($"A message of type {typeof(T)}", DynamicCode.Values);
                JsonSerializer.Serialize(json, value, JsonCallSerializer.DefaultOptions);
                json.Flush();
                break;
        }
    }

    /// <summary>
    /// The encoded size of <paramref name="value"/> (never null) when it can be known without encoding (unmanaged
    /// values, <c>byte[]</c>, strings), so it can be written straight into its destination; otherwise -1.
    /// </summary>
    public static int DirectSize(T value) => Format switch
    {
        Kind.Unmanaged => Unsafe.SizeOf<T>(),
        Kind.Bytes => ((byte[])(object)value!).Length,
        Kind.Text => Encoding.UTF8.GetByteCount((string)(object)value!),
        _ => -1,
    };

    /// <summary>Writes <paramref name="value"/> into exactly <see cref="DirectSize"/> bytes.</summary>
    public static void WriteDirect(Span<byte> destination, T value)
    {
        switch (Format)
        {
            case Kind.Unmanaged:
                Unsafe.WriteUnaligned(ref destination[0], value);
                break;
            case Kind.Bytes:
                ((byte[])(object)value!).CopyTo(destination);
                break;
            default:
                Encoding.UTF8.GetBytes((string)(object)value!, destination);
                break;
        }
    }

    /// <summary>Reads a value written by <see cref="Write"/>.</summary>
    public static T Read(ReadOnlySpan<byte> source)
    {
        switch (Format)
        {
            case Kind.Unmanaged:
                if (source.Length != Unsafe.SizeOf<T>())
                {
                    throw new InvalidDataException($"A {typeof(T)} message must be {Unsafe.SizeOf<T>()} bytes, but {source.Length} arrived.");
                }

                return Unsafe.ReadUnaligned<T>(ref Unsafe.AsRef(in source[0]));
            case Kind.Bytes:
                byte[] bytes = GC.AllocateUninitializedArray<byte>(source.Length);
                source.CopyTo(bytes);
                return (T)(object)bytes;
            case Kind.Text:
                return (T)(object)Encoding.UTF8.GetString(source);
            case Kind.Binary:
                return (T)BinaryCodec.Deserialize(source, typeof(T));
            default:
                DynamicCode.ThrowIfUnsupported($"A message of type {typeof(T)}", DynamicCode.Values);
                return JsonSerializer.Deserialize<T>(source, JsonCallSerializer.DefaultOptions)!;
        }
    }

    private static Kind Choose()
    {
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() && Unsafe.SizeOf<T>() > 0 && Nullable.GetUnderlyingType(typeof(T)) is null)
        {
            return Kind.Unmanaged;
        }

        return typeof(T) == typeof(byte[]) ? Kind.Bytes
            : typeof(T) == typeof(string) ? Kind.Text
            : BinaryCodec.CanSerialize(typeof(T)) ? Kind.Binary
            : Kind.Json;
    }
}
