using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Spindle.Calls;
using Spindle.Calls.Serialization.Json;

namespace Spindle.Calls.Serialization;

/// <summary>The general-purpose format: System.Text.Json, with public fields included (tuples, simple structs).</summary>
[RequiresUnreferencedCode(DynamicCode.Values)]
[RequiresDynamicCode(DynamicCode.Values)]
public sealed class JsonCallSerializer : ICallSerializer
{
    /// <summary>
    /// Creates the serializer with <see cref="DefaultOptions"/>, and a member declared <see cref="object"/> keeping its
    /// runtime type (written with its type's name, which only a pool and its own workers read from each other).
    /// </summary>
    /// <exception cref="NotSupportedException">The app runs without dynamic code (Native AOT), where reflection-based JSON cannot work.</exception>
    public JsonCallSerializer()
        : this(CallOptions)
    {
    }

    /// <summary>
    /// Creates the serializer with <paramref name="options"/>, for example converters of your own or another naming
    /// policy. Call it in <see cref="WorkerPoolOptions.SerializerFactory"/>, so each worker process builds the same options.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="NotSupportedException">The app runs without dynamic code (Native AOT), where reflection-based JSON cannot work.</exception>
    public JsonCallSerializer(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        DynamicCode.ThrowIfUnsupported(nameof(JsonCallSerializer), DynamicCode.Values);
        Options = options;
    }

    /// <summary>
    /// The options values are written with by default: public fields are included, members without a public setter
    /// (a private setter, a <c>readonly</c> field, a get-only auto-property such as a collection with an initializer)
    /// are read back, and <see cref="System.Numerics.BigInteger"/> and stacks arrive as they were sent. They never read a
    /// type's name from the data, so they are as safe as System.Text.Json's own on data from anyone: a member declared
    /// <see cref="object"/> is read back as a <see cref="JsonElement"/>, and a derived object where a base class or an
    /// interface is declared is refused when written, naming the member. The parameterless constructor keeps both for a
    /// pool's calls, whose two ends are the same app.
    /// </summary>
    public static JsonSerializerOptions DefaultOptions { get; } = new(JsonSerializerDefaults.General)
    {
        IncludeFields = true,
        MaxDepth = 256,
        Converters = { new BigIntegerConverter(), new StackConverterFactory() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers = { NonPublicSetters.Honour, ReadOnlyMembers.Honour, DerivedObjects.RefuseInMembers, DerivedObjects.RefuseInItems },
        },
    };

    /// <summary>
    /// <see cref="DefaultOptions"/> with members declared <see cref="object"/>, a base class or an interface keeping
    /// their runtime type (their type's name on the wire): only for a pool's calls between the caller and its own worker
    /// processes, never for messages a <c>Listener</c> or a queue may get from another program, where a type name from
    /// the data would let the sender choose what gets created.
    /// </summary>
    internal static JsonSerializerOptions CallOptions { get; } = new(DefaultOptions)
    {
        Converters = { new RuntimeTypeConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver
        {
            Modifiers = { NonPublicSetters.Honour, ReadOnlyMembers.Honour, DerivedObjects.KeepInMembers, DerivedObjects.RefuseInItems },
        },
    };

    /// <summary>The options this serializer uses for every value.</summary>
    public JsonSerializerOptions Options { get; }

    /// <inheritdoc />
    public bool CanSerialize(Type type) => true;

    /// <summary>Why values of <paramref name="type"/> would be written but not read back as they were (an exception), or null.</summary>
    internal string? WhyNotIntact(Type type) => JsonLosses.WhyNot(type, Options);

    /// <inheritdoc />
    public void Serialize(IBufferWriter<byte> destination, object value, Type type)
    {
        using var writer = new Utf8JsonWriter(destination);
        JsonSerializer.Serialize(writer, value, type, Options);
    }

    /// <inheritdoc />
    public object? Deserialize(ReadOnlySpan<byte> source, Type type) =>
        JsonSerializer.Deserialize(source, type, Options);
}
