using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Spindle.Calls;
using Spindle.Interop;
using Spindle.Shared;
using Spindle.Wire;

namespace Spindle.Calls.Serialization;

/// <summary>
/// Writes one value as <c>[codec][runtime type name or null][length][bytes]</c> and reads it back. Picks the
/// user's serializer, then the binary fast path, then JSON. Closures (the compiler's display classes) are
/// written field by field, so captured variables travel by value. Shared objects (<see cref="ISharedReference"/>)
/// travel as their reference and are opened again on the other side. Type names on the wire are in
/// ValueCodec.TypeNames.cs, what a closure is made of in ValueCodec.Closures.cs.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2057", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2067", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2072", Justification = DynamicCode.EngineJustification)]
internal sealed partial class ValueCodec
{
    private const byte NullCodec = 0;
    private const byte BinaryCodecId = 1;
    private const byte JsonCodecId = 2;
    private const byte CustomCodecId = 3;
    private const byte ClosureCodecId = 4;
    private const byte ReferenceCodecId = 5;
    private const byte SharedArrayCodecId = 6;
    private const byte ArenaCodecId = 7;
    private const byte SharedViewCodecId = 8;
    private const byte HandedOverCodecId = 9;
    private const byte CrossMemoryArgumentCodecId = 10;
    private const byte CrossMemoryResultCodecId = 11;

    private readonly ICallSerializer? _custom;
    private JsonCallSerializer? _json;
    private readonly ConcurrentDictionary<Type, byte> _codecs = new();
    private readonly ConcurrentDictionary<Type, bool> _verified = new();

    public ValueCodec(ICallSerializer? custom)
    {
        _custom = custom;
    }

    /// <summary>
    /// Arrays of unmanaged values at least this many bytes travel through shared memory when the writer collects
    /// handoffs (<see cref="ArrayHandoff.Begin"/>); the default never does.
    /// </summary>
    public long LargeArrayThreshold { get; init; } = long.MaxValue;

    /// <summary>
    /// Whether large <c>T[]</c> arguments stay pinned in the caller for the worker's parent to copy straight into the
    /// worker (<see cref="CrossMemory.PinnedArguments"/>) instead of going through a handoff segment: set once the pool
    /// has found that it may copy into its workers' memory.
    /// </summary>
    public bool CrossMemoryArguments
    {
        get => Volatile.Read(ref _crossMemoryArguments);
        set => Volatile.Write(ref _crossMemoryArguments, value);
    }

    private bool _crossMemoryArguments;

    /// <summary>Created on first use: a worker serving only binary values never loads System.Text.Json.</summary>
    private JsonCallSerializer Json => _json ??= new JsonCallSerializer();

    /// <summary>Checks, without sending, that a value could cross a process boundary. Each type is tried once.</summary>
    public void Verify(object? value, Type declared, string label, string? paramName, IReadOnlySet<FieldInfo>? usedFields = null)
    {
        if (value is null)
        {
            return;
        }

        Type type = value.GetType();
        if (IsClosure(type))
        {
            foreach (FieldInfo field in FieldsOf(type))
            {
                if (IsUsed(field, usedFields))
                {
                    Verify(field.GetValue(value), field.FieldType, LabelOf(field), paramName, usedFields);
                }
            }

            return;
        }

        if (_verified.ContainsKey(type))
        {
            return;
        }

        CheckType(type, label, paramName);
        byte codec = CodecFor(type);
        if (codec is not BinaryCodecId and not ReferenceCodecId)
        {
            using var scratch = new WireWriter();
            WritePayload(scratch, value, type, codec, label, paramName);
            ReadPayload(scratch.WrittenSpan, type, codec, label, paramName);
        }

        _verified.TryAdd(type, true);
    }

    // usedFields: for a closure, the fields the delegate uses; the others are sent as their default value.
    public void Write(WireWriter writer, object? value, Type declared, string label, string? paramName, IReadOnlySet<FieldInfo>? usedFields = null)
    {
        if (value is null)
        {
            writer.WriteByte(NullCodec);
            return;
        }

        Type type = value.GetType();
        if (IsClosure(type))
        {
            WriteClosure(writer, value, type, declared, paramName, usedFields);
            return;
        }

        if (!_verified.ContainsKey(type))
        {
            Verify(value, declared, label, paramName);
        }

        byte codec = CodecFor(type);
        if (codec == BinaryCodecId && (type.IsArray || type.IsGenericType) && ArrayHandoff.Collecting && UnmanagedBlock.For(type) is { } block)
        {
            // A call's argument: a Memory that already lives in shared memory travels as a reference to it; a large block
            // travels through a handoff segment (see ArrayHandoff).
            // A large T[] stays pinned for the worker's parent to copy into the worker when it may (one copy instead of two).
            codec = block.IsView && block.TryGetShared(value, out _, out _, out _) ? SharedViewCodecId
                : !ArrayHandoff.Wants(value, block, LargeArrayThreshold) ? codec
                : !block.IsView && CrossMemoryArguments ? CrossMemoryArgumentCodecId
                : SharedArrayCodecId;
        }

        writer.WriteByte(codec);
        writer.WriteString(SameType(type, declared) ? null : TypeNames.Wire(type));
        int start = writer.BeginLength();
        WritePayload(writer, value, type, codec, label, paramName);
        writer.EndLength(start);
    }

    /// <summary>
    /// Writes a worker's result: a large block of unmanaged values pinned for the parent to copy out when it can
    /// (<paramref name="crossMemory"/>), else through the worker's <paramref name="arena"/> when it has a free slot, a <see cref="SharedArray{T}"/> handed over to the parent (<paramref name="parentProcessId"/>)
    /// so it reaches the caller without a copy, anything else as <see cref="Write"/> does.
    /// </summary>
    public void WriteResult(WireWriter writer, object? value, Type declared, ResultArena? arena, int parentProcessId, CrossMemory.WorkerCrossMemory? crossMemory = null)
    {
        Type? type = value?.GetType();
        if (LinuxOnly.IsSupported && arena is not null && value is not null && (type!.IsArray || type.IsGenericType) && UnmanagedBlock.For(type) is { } block && arena.Wants(value, block))
        {
            if (crossMemory is not null && crossMemory.Wants(block.ByteLength(value), arena.Threshold) && !block.TryGetShared(value, out _, out _, out _))
            {
                writer.WriteByte(CrossMemoryResultCodecId);
                writer.WriteString(SameType(type, declared) ? null : TypeNames.Wire(type));
                int at = writer.BeginLength();
                crossMemory.WriteResult(writer, value, block);
                writer.EndLength(at);
                return;
            }

            int mark = writer.Length;
            writer.WriteByte(ArenaCodecId);
            writer.WriteString(SameType(type, declared) ? null : TypeNames.Wire(type));
            int start = writer.BeginLength();
            if (arena.TryWrite(writer, value, block))
            {
                writer.EndLength(start);
                return;
            }

            // Every slot is still being read by the parent: this one takes the channel.
            writer.Truncate(mark);
        }

        if (value is ISegmentBacked shared && parentProcessId > 0)
        {
            shared.Segment.AddUser(parentProcessId);
            writer.WriteByte(HandedOverCodecId);
            writer.WriteString(TypeNames.Wire(type!));
            writer.WriteBytes(Encoding.UTF8.GetBytes(shared.Segment.Name));
            return;
        }

        Write(writer, value, declared, "the result", paramName: null);
    }

    /// <summary>Reads a value; <paramref name="arena"/> reads results that came back through a worker's arena.</summary>
    public object? Read(ref WireReader reader, Type declared, ResultArenaReader? arena = null)
    {
        byte codec = reader.ReadByte();
        if (codec == NullCodec)
        {
            return null;
        }

        if (codec == ClosureCodecId)
        {
            return ReadClosure(ref reader, declared);
        }

        if (codec == CrossMemoryResultCodecId && LinuxOnly.IsSupported)
        {
            return ReadFromWorker(ref reader, declared, arena ?? throw new InvalidDataException("A result was left in a worker's memory for a side that does not read it."));
        }

        string? typeName = reader.ReadString();
        // A boxed Nullable<T> is a T: that is what was written.
        Type type = typeName is null ? Nullable.GetUnderlyingType(declared) ?? declared : ResolveType(typeName);
        ReadOnlySpan<byte> payload = reader.ReadBytes();
        if (codec == ArenaCodecId && LinuxOnly.IsSupported)
        {
            return (arena ?? throw new InvalidDataException("A value came back through a result arena this side does not read.")).Read(payload, type);
        }

        if (codec == HandedOverCodecId)
        {
            return SharedReferences.Adopt(type, Encoding.UTF8.GetString(payload));
        }

        return ReadPayload(payload, type, codec, "a value", paramName: null);
    }

    /// <summary>A result the worker left pinned for this side to copy out; whatever happens, the worker hears that it may let go.</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static object ReadFromWorker(ref WireReader reader, Type declared, ResultArenaReader arena)
    {
        try
        {
            string? typeName = reader.ReadString();
            Type type = typeName is null ? Nullable.GetUnderlyingType(declared) ?? declared : ResolveType(typeName);
            return arena.ReadFromWorker(reader.ReadBytes(), type);
        }
        finally
        {
            arena.LetGoOfResult();
        }
    }

    private static bool SameType(Type runtime, Type declared) =>
        runtime == declared || Nullable.GetUnderlyingType(declared) == runtime;

    private void CheckType(Type type, string label, string? paramName)
    {
        // The serializer is chosen only for a type the boundary lets through: a user's CanSerialize never sees a Stream.
        string? reason = TypeBoundary.WhyNot(type) ?? JsonFor(CodecFor(type))?.WhyNotIntact(type);
        if (reason is not null)
        {
            throw new ProcessBoundaryException(label, type, reason, paramName);
        }
    }

    /// <summary>The JSON serializer that writes values of this codec, whose silent losses are refused as well.</summary>
    private JsonCallSerializer? JsonFor(byte codec) => codec switch
    {
        JsonCodecId => Json,
        CustomCodecId => _custom as JsonCallSerializer,
        _ => null,
    };

    private byte CodecFor(Type type) =>
        _codecs.TryGetValue(type, out byte known) ? known : _codecs.GetOrAdd(type, t =>
            SharedReferences.IsReference(t) ? ReferenceCodecId
            : _custom?.CanSerialize(t) == true ? CustomCodecId
            : BinaryCodec.CanSerialize(t) ? BinaryCodecId
            : JsonCodecId);

    private void WritePayload(IBufferWriter<byte> writer, object value, Type type, byte codec, string label, string? paramName)
    {
        try
        {
            switch (codec)
            {
                case BinaryCodecId:
                    BinaryCodec.Serialize(writer, value, type);
                    break;
                case CustomCodecId:
                    _custom!.Serialize(writer, value, type);
                    break;
                case ReferenceCodecId:
                    Encoding.UTF8.GetBytes(((ISharedReference)value).Reference, writer);
                    break;
                case SharedArrayCodecId:
                    ArrayHandoff.Write(writer, value, UnmanagedBlock.For(type)!);
                    break;
                case CrossMemoryArgumentCodecId:
                    ArrayHandoff.AddPinned(CrossMemory.PinnedArguments.Write(writer, value, UnmanagedBlock.For(type)!));
                    break;
                case SharedViewCodecId:
                    UnmanagedBlock.For(type)!.TryGetShared(value, out Segment segment, out long offset, out long bytes);
                    ArrayHandoff.WriteShared(writer, segment, offset, bytes);
                    break;
                default:
                    Json.Serialize(writer, value, type);
                    break;
            }
        }
        // Whatever a serializer throws for this value (a JSON converter's SocketException for an IPAddress, a custom
        // serializer's FormatException), the caller learns which variable it was; Spindle's own errors pass as they are.
        catch (Exception e) when (IsSerializerFailure(e))
        {
            throw new ProcessBoundaryException(label, type, $"it could not be serialized ({ExceptionDescription.Message(e)})", paramName, e);
        }
    }

    private object? ReadPayload(ReadOnlySpan<byte> payload, Type type, byte codec, string label, string? paramName)
    {
        try
        {
            return codec switch
            {
                BinaryCodecId => BinaryCodec.Deserialize(payload, type),
                CustomCodecId => (_custom ?? throw new InvalidDataException("A value was written by a custom serializer this process does not have.")).Deserialize(payload, type),
                JsonCodecId => Json.Deserialize(payload, type),
                ReferenceCodecId => SharedReferences.Open(type, Encoding.UTF8.GetString(payload)),
                SharedArrayCodecId when LinuxOnly.IsSupported => ArrayHandoff.Read(payload, type),
                SharedViewCodecId when LinuxOnly.IsSupported => ArrayHandoff.ReadShared(payload, type),
                CrossMemoryArgumentCodecId when LinuxOnly.IsSupported => (CrossMemory.WorkerCrossMemory.Current ?? throw new InvalidDataException("An argument was left in the caller's memory for a process that cannot ask for it.")).ReadArgument(payload, type),
                _ => throw new InvalidDataException($"Unknown value codec {codec}."),
            };
        }
        catch (Exception e) when (IsSerializerFailure(e) && e is not InvalidDataException)
        {
            throw new ProcessBoundaryException(label, type, $"it could not be read back on the other side ({ExceptionDescription.Message(e)})", paramName, e);
        }
    }

    /// <summary>
    /// An exception a serializer threw for a value, as opposed to Spindle's own (which already say what they are), the
    /// process's, and the system's: an <see cref="IOException"/> is shared memory running out (documented as such).
    /// </summary>
    private static bool IsSerializerFailure(Exception e) =>
        e is not (SpindleException or ProcessBoundaryException or ObjectDisposedException or OperationCanceledException or OutOfMemoryException
            or InsufficientExecutionStackException or IOException);

    private static bool IsUsed(FieldInfo field, IReadOnlySet<FieldInfo>? usedFields) =>
        usedFields is null || usedFields.Contains(Calls.ClosureUsage.Definition(field));

    private void WriteClosure(WireWriter writer, object closure, Type type, Type declared, string? paramName, IReadOnlySet<FieldInfo>? usedFields)
    {
        writer.WriteByte(ClosureCodecId);
        // A lambda's target is an instance of the type declaring its method, which the worker knows already.
        writer.WriteString(type == declared ? null : TypeNames.Wire(type));
        FieldInfo[] fields = FieldsOf(type);
        writer.WriteInt32(fields.Length);
        foreach (FieldInfo field in fields)
        {
            object? value = IsUsed(field, usedFields) ? field.GetValue(closure) : null;
            Write(writer, value, field.FieldType, LabelOf(field), paramName, usedFields);
        }
    }

    private object ReadClosure(ref WireReader reader, Type declared)
    {
        Type type = reader.ReadString() is { } name ? ResolveType(name) : declared;
        FieldInfo[] fields = FieldsOf(type);
        int count = reader.ReadInt32();
        if (count != fields.Length)
        {
            throw new InvalidDataException($"Closure {type} has {fields.Length} fields here but {count} were sent: the two processes run different builds.");
        }

        object closure = RuntimeHelpers.GetUninitializedObject(type);
        foreach (FieldInfo field in fields)
        {
            field.SetValue(closure, Read(ref reader, field.FieldType));
        }

        return closure;
    }
}
