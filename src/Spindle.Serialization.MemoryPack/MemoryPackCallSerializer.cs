using System.Buffers;
using MemoryPack;
using Spindle.Calls.Serialization;

namespace Spindle.Serialization.MemoryPack;

/// <summary>
/// Sends arguments and results in MemoryPack's binary format: set it as <see cref="WorkerPoolOptions.Serializer"/>, or
/// with options through <see cref="WorkerPoolOptions.SerializerFactory"/>.
/// </summary>
/// <remarks>
/// MemoryPack serializes only types it knows: mark your records and classes <c>[MemoryPackable]</c> and
/// <c>partial</c> (the source generator writes their formatters). Collections, tuples, unmanaged structs and
/// primitives of such types work too. Any other type fails at the call site with a
/// <see cref="ProcessBoundaryException"/> naming the variable, rather than silently falling back to JSON.
/// Strings, primitives and arrays of primitives are left to Spindle's own raw-byte format, so large arrays still
/// travel through shared memory. To use other options (UTF-16 strings, a service provider for formatters), build the
/// serializer in a factory that captures nothing; each worker process calls it again, so both ends use the same options:
/// <code>
/// SerializerFactory = () => new MemoryPackCallSerializer(MemoryPackSerializerOptions.Utf16),
/// </code>
/// </remarks>
public sealed class MemoryPackCallSerializer : ICallSerializer
{
    static MemoryPackCallSerializer()
    {
        // In every process that makes one (the caller and each worker), before any value is written: MemoryPack's own
        // BigInteger formatter loses the number (see WholeBigIntegerFormatter). Registered for the whole process, so a
        // BigInteger the app writes with MemoryPack elsewhere arrives whole too.
        MemoryPackFormatterProvider.Register(new WholeBigIntegerFormatter());
    }

    /// <summary>Creates the serializer with <see cref="MemoryPackSerializerOptions.Default"/> (UTF-8 strings).</summary>
    public MemoryPackCallSerializer()
        : this(MemoryPackSerializerOptions.Default)
    {
    }

    /// <summary>
    /// Creates the serializer with <paramref name="options"/>. Call it in <see cref="WorkerPoolOptions.SerializerFactory"/>,
    /// so each worker process builds the same options.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public MemoryPackCallSerializer(MemoryPackSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>The options used for every value.</summary>
    public MemoryPackSerializerOptions Options { get; }

    /// <inheritdoc />
    public bool CanSerialize(Type type) => !SpindleSendsAsRawBytes(type);

    /// <inheritdoc />
    public void Serialize(IBufferWriter<byte> destination, object value, Type type)
    {
        try
        {
            MemoryPackSerializer.Serialize(type, destination, value, Options);
        }
        catch (MemoryPackSerializationException e)
        {
            throw Unsupported(type, e);
        }
    }

    /// <inheritdoc />
    public object? Deserialize(ReadOnlySpan<byte> source, Type type)
    {
        try
        {
            return MemoryPackSerializer.Deserialize(type, source, Options);
        }
        catch (MemoryPackSerializationException e)
        {
            throw Unsupported(type, e);
        }
    }

    // Spindle turns NotSupportedException into a ProcessBoundaryException that names the variable; MemoryPack's own
    // exception type would escape as is, without saying which argument was at fault.
    private static NotSupportedException Unsupported(Type type, MemoryPackSerializationException e) =>
        new($"MemoryPack cannot serialize {type}: mark it [MemoryPackable] and partial. {e.Message}", e);

    private static bool SpindleSendsAsRawBytes(Type type) =>
        type == typeof(string) || type.IsPrimitive || type.IsEnum
        || (type.IsSZArray && type.GetElementType() is { IsPrimitive: true });
}
