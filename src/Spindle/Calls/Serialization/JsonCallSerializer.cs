using System.Buffers;
using System.Text.Json;

namespace Spindle.Calls.Serialization;

/// <summary>The general-purpose format: System.Text.Json, with public fields included (tuples, simple structs).</summary>
public sealed class JsonCallSerializer : ICallSerializer
{
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
