using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// A member declared <see cref="object"/> (a property, a <c>Dictionary&lt;string, object&gt;</c> value, an
/// <c>object[]</c> item) keeps its runtime type, as a value declared <c>object</c> does at the top of a call. Without
/// it System.Text.Json writes the runtime type's members but reads back a <see cref="JsonElement"/>.
/// </summary>
/// <remarks>
/// Strings and booleans are written as they are (JSON reads them back as the same type); anything else is
/// <c>{"$type": assembly-qualified name, "value": …}</c>, since a JSON number or object does not say what it was.
/// Both ends run the same app and already trust each other's type names (see ValueCodec.TypeNames.cs). The runtime
/// type is checked as the call boundary checks a declared one, on every value, since it can differ from one to the next.
/// </remarks>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal sealed class RuntimeTypeConverter : JsonConverter<object>
{
    private const string TypeProperty = "$type";
    private const string ValueProperty = "value";

    public override object? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return reader.GetString();
            case JsonTokenType.True or JsonTokenType.False:
                return reader.GetBoolean();
            case JsonTokenType.StartObject:
                break;
            default:
                throw new JsonException($"A value declared as object was written as {reader.TokenType}, not as its type and value.");
        }

        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(TypeProperty))
        {
            // A plain object has nothing to say but that it exists.
            return reader.TokenType == JsonTokenType.EndObject ? new object() : throw new JsonException($"A value declared as object has no \"{TypeProperty}\".");
        }

        reader.Read();
        Type type = ValueCodec.ResolveType(reader.GetString() ?? throw new JsonException($"\"{TypeProperty}\" is null."));
        if (!reader.Read() || !reader.ValueTextEquals(ValueProperty) || !reader.Read())
        {
            throw new JsonException($"A value declared as object has no \"{ValueProperty}\" after its type.");
        }

        object? value = JsonSerializer.Deserialize(ref reader, type, options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException($"A value declared as object has more than its type and value.");
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
    {
        Type type = value.GetType();
        switch (value)
        {
            case string text:
                writer.WriteStringValue(text);
                return;
            case bool flag:
                writer.WriteBooleanValue(flag);
                return;
        }

        writer.WriteStartObject();
        if (type != typeof(object))
        {
            if ((TypeBoundary.WhyNot(type) ?? JsonLosses.WhyNot(type, options)) is { } reason)
            {
                // The call site wraps this in a ProcessBoundaryException naming the variable and its type.
                throw new JsonException($"a member declared as object holds a {TypeNames.Display(type)}, and {reason}");
            }

            writer.WriteString(TypeProperty, TypeNames.Wire(type));
            writer.WritePropertyName(ValueProperty);
            JsonSerializer.Serialize(writer, value, type, options);
        }

        writer.WriteEndObject();
    }
}
