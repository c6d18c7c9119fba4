using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Resolvers;
using Spindle.Calls.Serialization;

namespace Spindle.Serialization.MessagePack;

/// <summary>
/// Sends arguments and results as MessagePack: set it as <see cref="WorkerPoolOptions.Serializer"/>, or with options
/// through <see cref="WorkerPoolOptions.SerializerFactory"/>.
/// </summary>
/// <remarks>
/// Uses <see cref="ContractlessStandardResolver"/>, so plain records and classes work without attributes (by their
/// public members, matched to a constructor by name), and types marked <c>[MessagePackObject]</c> keep their
/// <c>[Key]</c> layout. A type MessagePack cannot write or rebuild fails at the call site with a
/// <see cref="ProcessBoundaryException"/> naming the variable. Strings, primitives and arrays of primitives are left to
/// Spindle's own raw-byte format, so large arrays still travel through shared memory.
/// To use other options (LZ4 compression, another resolver), build the serializer in a factory that captures nothing;
/// each worker process calls it again, so both ends use the same options:
/// <code>
/// SerializerFactory = () => new MessagePackCallSerializer(
///     MessagePackCallSerializer.DefaultOptions.WithCompression(MessagePackCompression.Lz4BlockArray)),
/// </code>
/// </remarks>
[RequiresUnreferencedCode(NeedsDynamicCode)]
[RequiresDynamicCode(NeedsDynamicCode)]
public class MessagePackCallSerializer : ICallSerializer
{
    private const string NeedsDynamicCode =
        "MessagePack 2's contractless resolver and its serialization by System.Type generate code at run time, which trimming can break " +
        "and Native AOT cannot run; Spindle.Serialization.MemoryPack's source-generated formatters can.";

    /// <summary>Creates the serializer with <see cref="DefaultOptions"/>.</summary>
    public MessagePackCallSerializer()
        : this(DefaultOptions)
    {
    }

    /// <summary>
    /// Creates the serializer with <paramref name="options"/>, for example <see cref="DefaultOptions"/> with LZ4
    /// compression or another resolver. Call it in <see cref="WorkerPoolOptions.SerializerFactory"/>, so each worker
    /// process builds the same options.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public MessagePackCallSerializer(MessagePackSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!RuntimeFeature.IsDynamicCodeSupported)
        {
            throw new NotSupportedException($"{nameof(MessagePackCallSerializer)} is not supported in an app compiled without dynamic code (Native AOT): {NeedsDynamicCode}");
        }

        Options = options;

        // Writing has no depth limit of MessagePack's own: a cycle would overflow the stack (DepthLimitResolver).
        _writing = options.WithResolver(new DepthLimitResolver(options.Resolver));
    }

    private readonly MessagePackSerializerOptions _writing;

    /// <summary>
    /// The contractless standard resolver, uncompressed (both ends are processes of one app, so the data is trusted),
    /// with <see cref="NativeDateTimeResolver"/> first: MessagePack's own timestamp turns a local <see cref="DateTime"/>
    /// into UTC, so the worker saw another hour (and <see cref="DateTimeKind.Utc"/>) than the caller sent.
    /// </summary>
    public static MessagePackSerializerOptions DefaultOptions { get; } =
        ContractlessStandardResolver.Options.WithResolver(CompositeResolver.Create(NativeDateTimeResolver.Instance, ContractlessStandardResolver.Instance));

    /// <summary>The options used for every value (writing stops past 256 nested levels: a cycle, see DepthLimitResolver).</summary>
    public MessagePackSerializerOptions Options { get; }

    /// <inheritdoc />
    public bool CanSerialize(Type type) => !SpindleSendsAsRawBytes(type);

    /// <inheritdoc />
    public void Serialize(IBufferWriter<byte> destination, object value, Type type)
    {
        try
        {
            MessagePackSerializer.Serialize(type, destination, value, _writing);
        }
        catch (MessagePackSerializationException e)
        {
            throw Unsupported(type, e);
        }
    }

    /// <inheritdoc />
    public object? Deserialize(ReadOnlySpan<byte> source, Type type)
    {
        // MessagePack reads from memory, not a span: copy into a pooled buffer rather than allocate per value.
        byte[] buffer = ArrayPool<byte>.Shared.Rent(source.Length);
        try
        {
            source.CopyTo(buffer);
            return MessagePackSerializer.Deserialize(type, buffer.AsMemory(0, source.Length), Options);
        }
        catch (MessagePackSerializationException e)
        {
            throw Unsupported(type, e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    // Spindle turns NotSupportedException into a ProcessBoundaryException that names the variable; MessagePack's own
    // exception type would escape as is, without saying which argument was at fault. The innermost message is the
    // reason (a missing constructor, say); the outer ones only say that a formatter's type initializer failed.
    private static NotSupportedException Unsupported(Type type, MessagePackSerializationException e) =>
        new($"MessagePack cannot serialize {type}: {e.GetBaseException().Message}", e);

    private static bool SpindleSendsAsRawBytes(Type type) =>
        type == typeof(string) || type.IsPrimitive || type.IsEnum
        || (type.IsSZArray && type.GetElementType() is { IsPrimitive: true });
}
