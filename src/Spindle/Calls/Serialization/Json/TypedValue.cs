using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// A value written with its runtime type's name, <c>{"$type": assembly-qualified name, "value": …}</c>, where the
/// declared type does not say what it was. Only a pool's calls use it: both ends run the same app and already trust
/// each other's type names (see ValueCodec.TypeNames.cs), and a name is only taken for a type the member can hold.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static class TypedValue
{
    private const string TypeProperty = "$type";
    private const string ValueProperty = "value";

    /// <summary>
    /// Writes <paramref name="value"/> as its <paramref name="type"/>, named. The runtime type is checked as the call
    /// boundary checks a declared one, on every value, since it can differ from one to the next.
    /// </summary>
    public static void Write(Utf8JsonWriter writer, object value, Type type, Type declared, JsonSerializerOptions options)
    {
        if ((TypeBoundary.WhyNot(type) ?? JsonLosses.WhyNot(type, options)) is { } reason)
        {
            // The call site wraps this in a ProcessBoundaryException naming the variable and its type.
            throw new JsonException($"a member declared as {Display(declared)} holds a {TypeNames.Display(type)}, and {reason}");
        }

        writer.WriteStartObject();
        writer.WriteString(TypeProperty, TypeNames.Wire(type));
        writer.WritePropertyName(ValueProperty);
        JsonSerializer.Serialize(writer, value, type, options);
        writer.WriteEndObject();
    }

    /// <summary>Whether the reader, on a value's first token, is at a value written by <see cref="Write"/>; it does not move.</summary>
    public static bool IsAt(Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.StartObject && reader.Read() && reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals(TypeProperty);

    /// <summary>Reads a value written by <see cref="Write"/>, creating only a type that a member declared <paramref name="declared"/> can hold.</summary>
    public static object? Read(ref Utf8JsonReader reader, Type declared, JsonSerializerOptions options)
    {
        if (!IsAt(reader) || !reader.Read() || !reader.Read())
        {
            throw new JsonException($"A value declared as {Display(declared)} has no \"{TypeProperty}\".");
        }

        Type type = ValueCodec.ResolveType(reader.GetString() ?? throw new JsonException($"\"{TypeProperty}\" is null."));
        if (!declared.IsAssignableFrom(type))
        {
            throw new JsonException($"A value declared as {Display(declared)} was sent as a {TypeNames.Display(type)}, which it cannot hold.");
        }

        if (!reader.Read() || !reader.ValueTextEquals(ValueProperty) || !reader.Read())
        {
            throw new JsonException($"A value declared as {Display(declared)} has no \"{ValueProperty}\" after its type.");
        }

        object? value = JsonSerializer.Deserialize(ref reader, type, options);
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject)
        {
            throw new JsonException($"A value declared as {Display(declared)} has more than its type and value.");
        }

        return value;
    }

    private static string Display(Type declared) => declared == typeof(object) ? "object" : TypeNames.Display(declared);
}
