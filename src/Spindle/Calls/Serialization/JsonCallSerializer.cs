using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Spindle.Calls;

namespace Spindle.Calls.Serialization;

/// <summary>The general-purpose format: System.Text.Json, with public fields included (tuples, simple structs).</summary>
[RequiresUnreferencedCode(DynamicCode.Values)]
[RequiresDynamicCode(DynamicCode.Values)]
public sealed class JsonCallSerializer : ICallSerializer
{
    /// <summary>Creates the serializer.</summary>
    /// <exception cref="NotSupportedException">The app runs without dynamic code (Native AOT), where reflection-based JSON cannot work.</exception>
    public JsonCallSerializer() => DynamicCode.ThrowIfUnsupported(nameof(JsonCallSerializer), DynamicCode.Values);

    /// <summary>The options used for every value; public fields are included.</summary>
    public static JsonSerializerOptions DefaultOptions { get; } = new(JsonSerializerDefaults.General)
    {
        IncludeFields = true,
        MaxDepth = 256,
    };

    /// <inheritdoc />
    public bool CanSerialize(Type type) => true;

    /// <inheritdoc />
    public void Serialize(IBufferWriter<byte> destination, object value, Type type)
    {
        using var writer = new Utf8JsonWriter(destination);
        JsonSerializer.Serialize(writer, value, type, DefaultOptions);
    }

    /// <inheritdoc />
    public object? Deserialize(ReadOnlySpan<byte> source, Type type) =>
        JsonSerializer.Deserialize(source, type, DefaultOptions);
}
