using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// A member declared <typeparamref name="TDeclared"/> (a class that is not sealed, or an interface) that holds a derived
/// object keeps the object's runtime type, as a <see cref="TypedValue"/>; one of the declared type itself is written as
/// System.Text.Json writes it. Without it the derived object's own members were not written and a
/// <typeparamref name="TDeclared"/> arrived.
/// </summary>
/// <remarks>
/// Set on members only (see <see cref="DerivedObjects"/>): writing the declared type's own way from here goes through its
/// contract, which would come back to this converter if it were the type's.
/// </remarks>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal sealed class DerivedObjectConverter<TDeclared> : JsonConverter<TDeclared>
    where TDeclared : class
{
    private JsonTypeInfo<TDeclared>? _contract;

    public override TDeclared? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        JsonTypeInfo<TDeclared> contract = ContractIn(options);
        return DerivedObjects.LoseTheirMembers(contract) && TypedValue.IsAt(reader)
            ? (TDeclared?)TypedValue.Read(ref reader, typeof(TDeclared), options)
            : JsonSerializer.Deserialize(ref reader, contract);
    }

    public override void Write(Utf8JsonWriter writer, TDeclared value, JsonSerializerOptions options)
    {
        Type type = value.GetType();
        JsonTypeInfo<TDeclared> contract = ContractIn(options);
        if (type == typeof(TDeclared) || !DerivedObjects.LoseTheirMembers(contract))
        {
            JsonSerializer.Serialize(writer, value, contract);
            return;
        }

        TypedValue.Write(writer, value, type, typeof(TDeclared), options);
    }

    /// <summary>The declared type's contract; the converter belongs to one member of one set of options.</summary>
    private JsonTypeInfo<TDeclared> ContractIn(JsonSerializerOptions options) =>
        _contract ??= (JsonTypeInfo<TDeclared>)options.GetTypeInfo(typeof(TDeclared));
}
