using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// A member declared <see cref="object"/> (a property, a <c>Dictionary&lt;string, object&gt;</c> value, an
/// <c>object[]</c> item) keeps its runtime type, as a value declared <c>object</c> does at the top of a call. Without
/// it System.Text.Json writes the runtime type's members but reads back a <see cref="JsonElement"/>.
/// </summary>
/// <remarks>
/// Strings and booleans are written as they are (JSON reads them back as the same type); anything else is a
/// <see cref="TypedValue"/>, since a JSON number or object does not say what it was.
/// </remarks>
internal sealed class RuntimeTypeConverter : JsonConverter<object>
{
    public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.True or JsonTokenType.False:
                return reader.GetBoolean();
            case JsonTokenType.StartObject when TypedValue.IsAt(reader):
                return TypedValue.Read(ref reader, typeof(object), options);
            case JsonTokenType.StartObject:
                // A plain object has nothing to say but that it exists.
                return reader.Read() && reader.TokenType == JsonTokenType.EndObject ? new object() : throw new JsonException("A value declared as object has no \"$type\".");
            default:
                throw new JsonException($"A value declared as object was written as {reader.TokenType}, not as its type and value.");
        }
    }

    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        switch (value)
        {
            case string text:
                writer.WriteStringValue(text);
                return;
            case bool flag:
                writer.WriteBooleanValue(flag);
                return;
        }

        Type type = value.GetType();
        if (type == typeof(object))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        TypedValue.Write(writer, value, type, typeof(object), options);
    }
}
