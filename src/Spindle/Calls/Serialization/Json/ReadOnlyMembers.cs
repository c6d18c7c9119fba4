using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// Lets System.Text.Json set back a <c>readonly</c> field and a get-only auto-property (<c>{ get; }</c>, a collection
/// with an initializer included) that no constructor parameter fills. It writes both but, by default, skips them when
/// reading, so the value arrived with the member at whatever the constructor left there.
/// </summary>
/// <remarks>
/// A get-only property that is not an auto-property is left alone: it is usually computed from other members, and
/// calling its getter halfway through reading (to fill what it returns) could fail or fill a copy.
/// </remarks>
[UnconditionalSuppressMessage("Trimming", "IL2075", Justification = DynamicCode.EngineJustification)]
internal static class ReadOnlyMembers
{
    /// <summary>A contract modifier (<see cref="DefaultJsonTypeInfoResolver.Modifiers"/>).</summary>
    public static void Honour(JsonTypeInfo contract)
    {
        if (contract.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (JsonPropertyInfo property in contract.Properties)
        {
            if (property.Set is null && property.AssociatedParameter is null && StorageOf(property) is { } storage)
            {
                // The constructor has run by then; this only puts back what the sender's object held.
                property.Set = storage.SetValue;
            }
        }
    }

    /// <summary>
    /// The field a member without a setter keeps its value in: the member itself when it is a <c>readonly</c> field,
    /// the compiler's backing field when it is a get-only auto-property, else null.
    /// </summary>
    public static FieldInfo? StorageOf(JsonPropertyInfo property) => property.AttributeProvider switch
    {
        FieldInfo { IsInitOnly: true } field => field,
        PropertyInfo { SetMethod: null, DeclaringType: { } declaring } getOnly =>
            declaring.GetField($"<{getOnly.Name}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic),
        _ => null,
    };
}
