using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Spindle.Calls;
using Spindle.Shared;
using Spindle.Wire;

namespace Spindle.Calls.Serialization;

/// <summary>
/// Writes one value as <c>[codec][runtime type name or null][length][bytes]</c> and reads it back. Picks the
/// user's serializer, then the binary fast path, then JSON. Closures (the compiler's display classes) are
/// written field by field, so captured variables travel by value. Shared objects (<see cref="ISharedReference"/>)
/// travel as their reference and are opened again on the other side.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2057", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2067", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2072", Justification = DynamicCode.EngineJustification)]
internal sealed class ValueCodec
{
    private const byte NullCodec = 0;
    private const byte BinaryCodecId = 1;
    private const byte JsonCodecId = 2;
    private const byte CustomCodecId = 3;
    private const byte ClosureCodecId = 4;
    private const byte ReferenceCodecId = 5;
    private const byte SharedArrayCodecId = 6;

    private static readonly ConcurrentDictionary<string, Type> TypesByName = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> ClosureFields = new();
    private static readonly ConcurrentDictionary<Type, bool> ClosureTypes = new();

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

    /// <summary>Created on first use: a worker serving only binary values never loads System.Text.Json.</summary>
    private JsonCallSerializer Json => _json ??= new JsonCallSerializer();

    /// <summary>Whether <paramref name="type"/> is a compiler-generated closure whose fields are captured variables.</summary>
    public static bool IsClosure(Type type) =>
        ClosureTypes.TryGetValue(type, out bool closure) ? closure
            : ClosureTypes.GetOrAdd(type, static t => t.Name.StartsWith("<>c", StringComparison.Ordinal) && t.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false));

    /// <summary>The instance fields of a closure, in a stable order both processes agree on.</summary>
    public static FieldInfo[] FieldsOf(Type closure) =>
        ClosureFields.GetOrAdd(closure, static t => t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => f.MetadataToken)
            .ToArray());

    /// <summary>What a closure field is to the user: <c>this</c>, or the captured variable's name.</summary>
    public static string LabelOf(FieldInfo field) =>
        field.Name == "<>4__this" ? "this" : $"captured variable '{field.Name}'";

    /// <summary>Records a type found another way under its wire name, so reading it later needs no name parsing.</summary>
    public static void RememberType(string name, Type type) => TypesByName.TryAdd(name, type);

    /// <summary>Finds a type by its assembly-qualified name; a failure names the assembly that could not be loaded.</summary>
    public static Type ResolveType(string name)
    {
        if (TypesByName.TryGetValue(name, out Type? known))
        {
            return known;
        }

        try
        {
            return TypesByName.GetOrAdd(name, Type.GetType(name, throwOnError: true)!);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new TypeLoadException($"The worker process could not load assembly {AssemblyOf(name)} (needed for type {name}): {e.Message}", e);
        }
    }

    private static string AssemblyOf(string assemblyQualifiedName)
    {
        // "Namespace.Type[[...]], Assembly, Version=..., Culture=..., PublicKeyToken=..." — the assembly follows the type's closing brackets.
        int depth = 0;
        for (int i = 0; i < assemblyQualifiedName.Length; i++)
        {
            char c = assemblyQualifiedName[i];
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            if (c == ',' && depth == 0)
            {
                return "'" + assemblyQualifiedName[(i + 1)..].Trim() + "'";
            }
        }

        return "(unknown)";
    }

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
        if (codec == BinaryCodecId && value is Array { Rank: 1 } array && ArrayHandoff.Wants(array, type.GetElementType()!, LargeArrayThreshold))
        {
            codec = SharedArrayCodecId;
        }

        writer.WriteByte(codec);
        writer.WriteString(SameType(type, declared) ? null : TypeNames.Wire(type));
        int start = writer.BeginLength();
        WritePayload(writer, value, type, codec, label, paramName);
        writer.EndLength(start);
    }

    public object? Read(ref WireReader reader, Type declared)
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

        string? typeName = reader.ReadString();
        // A boxed Nullable<T> is a T: that is what was written.
        Type type = typeName is null ? Nullable.GetUnderlyingType(declared) ?? declared : ResolveType(typeName);
        ReadOnlySpan<byte> payload = reader.ReadBytes();
        return ReadPayload(payload, type, codec, "a value", paramName: null);
    }

    private static bool SameType(Type runtime, Type declared) =>
        runtime == declared || Nullable.GetUnderlyingType(declared) == runtime;

    private static void CheckType(Type type, string label, string? paramName)
    {
        string? reason = TypeBoundary.WhyNot(type);
        if (reason is not null)
        {
            throw new ProcessBoundaryException(label, type, reason, paramName);
        }
    }

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
                    ArrayHandoff.Write(writer, (Array)value, type.GetElementType()!);
                    break;
                default:
                    Json.Serialize(writer, value, type);
                    break;
            }
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or System.Text.Json.JsonException or ArgumentException && e is not ProcessBoundaryException)
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
                SharedArrayCodecId => ArrayHandoff.Read(payload, type),
                _ => throw new InvalidDataException($"Unknown value codec {codec}."),
            };
        }
        catch (Exception e) when (e is NotSupportedException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException)
        {
            throw new ProcessBoundaryException(label, type, $"it could not be read back on the other side ({ExceptionDescription.Message(e)})", paramName, e);
        }
    }

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
