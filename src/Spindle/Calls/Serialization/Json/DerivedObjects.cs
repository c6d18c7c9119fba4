using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// Contract modifiers for a derived object where a base class or an interface is declared. System.Text.Json writes
/// only the declared type's members and reads back the declared type, so a <c>Dog</c> in a member declared
/// <c>Animal</c> arrived as an <c>Animal</c>. A pool's calls keep it (<see cref="KeepInMembers"/>); anything that cannot
/// carry a type's name refuses it when writing, naming the member and both types.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2055", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static class DerivedObjects
{
    /// <summary>A member holding a derived object keeps its runtime type (<see cref="DerivedObjectConverter{TDeclared}"/>).</summary>
    public static void KeepInMembers(JsonTypeInfo contract)
    {
        foreach (JsonPropertyInfo property in MembersThatMayHoldOne(contract))
        {
            property.CustomConverter = (JsonConverter)Activator.CreateInstance(typeof(DerivedObjectConverter<>).MakeGenericType(property.PropertyType))!;
        }
    }

    /// <summary>A member holding a derived object fails the write, naming the member and both types.</summary>
    public static void RefuseInMembers(JsonTypeInfo contract)
    {
        foreach (JsonPropertyInfo property in MembersThatMayHoldOne(contract))
        {
            Func<object, object?> get = property.Get!;
            Type declared = property.PropertyType;
            string member = JsonLosses.MemberName(contract, property);
            property.Get = target =>
            {
                object? value = get(target);
                return value is null || value.GetType() == declared || !LoseTheirMembers(contract.Options.GetTypeInfo(declared))
                    ? value
                    : throw new NotSupportedException(
                        $"Its member {member} is declared as {TypeNames.Display(declared)} but holds a {TypeNames.Display(value.GetType())}: only the members of "
                        + $"{TypeNames.Display(declared)} would be written and one would arrive. Declare the member as the type it holds.");
            };
        }
    }

    /// <summary>
    /// An item of a collection (a <c>List&lt;Animal&gt;</c> holding a <c>Dog</c>) fails the write, through
    /// System.Text.Json's own check of polymorphic types, which names both types and where the item was. That check
    /// takes only a type that can be created: an abstract class or an interface, which cannot be read back at all, is left
    /// to the call boundary's round trip.
    /// </summary>
    public static void RefuseInItems(JsonTypeInfo contract)
    {
        if (contract is { Kind: JsonTypeInfoKind.Object, PolymorphismOptions: null, Type: { IsSealed: false, IsAbstract: false, IsInterface: false, IsValueType: false } type }
            && type != typeof(object))
        {
            contract.PolymorphismOptions = new JsonPolymorphismOptions { DerivedTypes = { new JsonDerivedType(type) } };
        }
    }

    /// <summary>
    /// Whether System.Text.Json writes a derived object held where <paramref name="declared"/>'s type is declared as one of
    /// that type: it does for a type it writes member by member, unless the type names its derived types itself
    /// (<c>[JsonDerivedType]</c>); a type with a converter of its own (a <c>JsonNode</c> holding a <c>JsonObject</c>, a
    /// <c>Uri</c>) writes what it holds.
    /// </summary>
    public static bool LoseTheirMembers(JsonTypeInfo declared) =>
        declared.Kind == JsonTypeInfoKind.Object
        && (declared.PolymorphismOptions is not { } polymorphism || polymorphism.DerivedTypes.All(derived => derived.DerivedType == declared.Type));

    /// <summary>Members whose declared type lets them hold a derived object that System.Text.Json might write as the declared one.</summary>
    private static IEnumerable<JsonPropertyInfo> MembersThatMayHoldOne(JsonTypeInfo contract) =>
        contract.Kind != JsonTypeInfoKind.Object ? [] : contract.Properties.Where(property =>
            property is { CustomConverter: null, Get: not null, PropertyType: { IsValueType: false, IsSealed: false } type }
            && type != typeof(object) && !typeof(IEnumerable).IsAssignableFrom(type));
}
