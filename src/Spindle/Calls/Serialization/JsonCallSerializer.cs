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
    /// <summary>Creates the serializer with <see cref="DefaultOptions"/>.</summary>
    /// <exception cref="NotSupportedException">The app runs without dynamic code (Native AOT), where reflection-based JSON cannot work.</exception>
    public JsonCallSerializer()
        : this(DefaultOptions)
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
    /// The options used for every value by default: public fields are included, properties with a non-public setter
    /// are read back, a member declared <see cref="object"/> keeps its runtime type, and <see cref="System.Numerics.BigInteger"/>
    /// and stacks arrive as they were sent.
    /// </summary>
    public static JsonSerializerOptions DefaultOptions { get; } = new(JsonSerializerDefaults.General)
    {
        IncludeFields = true,
        MaxDepth = 256,
        Converters = { new BigIntegerConverter(), new StackConverterFactory(), new RuntimeTypeConverter() },
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { NonPublicSetters.Honour } },
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
