using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// Lets System.Text.Json set a property through its non-public setter (<c>{ get; private set; }</c>). It writes such a
/// property but, by default, does not read it back, so the value arrived with the property at its default.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2075", Justification = DynamicCode.EngineJustification)]
internal static class NonPublicSetters
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
            // The serializer reflects each type of the hierarchy on its own, so a base class's private setter is visible here.
            if (property.Set is null && property.AttributeProvider is PropertyInfo { SetMethod: { IsPublic: false } setter })
            {
                property.Set = (target, value) => setter.Invoke(target, [value]);
            }
        }
    }
}
