using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Spindle.Calls.Serialization.Json;

/// <summary>
/// Finds what System.Text.Json would write but not read back as it was, without an error: such a value would arrive
/// different from what was sent, so the call boundary refuses its type instead. Walks the serializer's own contract
/// (the members it reads, the items of its collections), once per type and options.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2075", Justification = DynamicCode.EngineJustification)]
internal static class JsonLosses
{
    private const string ExceptionReason =
        "System.Text.Json cannot set an exception's message, inner exception or stack trace back, so another exception would arrive; "
        + "send what you need from it (its message, its type's name) instead, or let the delegate throw it: a thrown exception reaches the caller as a RemoteException";

    private static readonly ConditionalWeakTable<JsonSerializerOptions, ConcurrentDictionary<Type, string?>> Known = new();

    /// <summary>Returns why values of <paramref name="type"/> would not arrive intact through <paramref name="options"/>, or null if they would.</summary>
    public static string? WhyNot(Type type, JsonSerializerOptions options)
    {
        ConcurrentDictionary<Type, string?> known = Known.GetValue(options, static _ => new ConcurrentDictionary<Type, string?>());
        return known.TryGetValue(type, out string? reason) ? reason : known.GetOrAdd(type, t => Inspect(t, options, new HashSet<Type>()));
    }

    private static string? Inspect(Type type, JsonSerializerOptions options, HashSet<Type> visiting)
    {
        // A member declared object is checked value by value as it is written (RuntimeTypeConverter).
        if (type == typeof(object) || !visiting.Add(type) || ContractOf(type, options) is not { } contract)
        {
            return null;
        }

        if (contract.Kind == JsonTypeInfoKind.Object && typeof(Exception).IsAssignableFrom(type))
        {
            return ExceptionReason;
        }

        if (NotReadBack(contract) is { } written)
        {
            return $"System.Text.Json writes its member {written} but cannot set it back (a readonly field or a get-only property that no constructor parameter fills), "
                + "so it would arrive at whatever the constructor leaves there; JsonCallSerializer.DefaultOptions sets such members back";
        }

        if (WritesItemsOnly(contract) && OwnMemberOfCollection(type) is { } own)
        {
            return $"System.Text.Json writes a collection as its items only, so its member {own} would not be written; "
                + "hold the collection in a member of a class of your own instead of deriving from it";
        }

        foreach ((string member, Type memberType) in Members(contract))
        {
            if (Inspect(memberType, options, visiting) is { } inner)
            {
                return $"its member {member} holds a {TypeNames.Display(memberType)}, and {inner}";
            }
        }

        return null;
    }

    /// <summary>The serializer's contract for <paramref name="type"/>, or null when it has none (the round trip then says why).</summary>
    private static JsonTypeInfo? ContractOf(Type type, JsonSerializerOptions options)
    {
        try
        {
            // Options given without a resolver get System.Text.Json's own at their first use, as here; until then they have no contracts.
            options.MakeReadOnly(populateMissingResolver: true);
            return options.GetTypeInfo(type);
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// A member that is written and holds state of its own (a <c>readonly</c> field, a get-only auto-property) but is
    /// neither set nor filled when reading. A get-only property that is computed has no such state and is not one.
    /// </summary>
    private static string? NotReadBack(JsonTypeInfo contract) => contract.Kind != JsonTypeInfoKind.Object ? null : contract.Properties
        .Where(property => property is { Get: not null, Set: null, AssociatedParameter: null } && !Populates(contract, property) && ReadOnlyMembers.StorageOf(property) is not null)
        .Select(property => MemberName(contract, property))
        .FirstOrDefault();

    private static bool Populates(JsonTypeInfo contract, JsonPropertyInfo property) =>
        (property.ObjectCreationHandling ?? contract.PreferredPropertyObjectCreationHandling ?? contract.Options.PreferredObjectCreationHandling)
            == JsonObjectCreationHandling.Populate;

    /// <summary>Whether the contract writes a collection's items and nothing else, as System.Text.Json's collections and the stacks (StackConverterFactory) do.</summary>
    private static bool WritesItemsOnly(JsonTypeInfo contract) =>
        contract.Kind is JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary || StackConverterFactory.Writes(contract.Converter);

    /// <summary>
    /// A public member holding state of its own (a field, an auto-property, a property with a setter) that a class
    /// derived from a collection declares, outside the framework's collections; a computed property holds none.
    /// </summary>
    private static string? OwnMemberOfCollection(Type type)
    {
        const BindingFlags Declared = BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        for (Type? level = type; level is not null && level.Namespace?.StartsWith("System", StringComparison.Ordinal) != true; level = level.BaseType)
        {
            MemberInfo? own = level.GetFields(Declared).FirstOrDefault(field => !field.IsDefined(typeof(JsonIgnoreAttribute)))
                ?? (MemberInfo?)level.GetProperties(Declared).FirstOrDefault(property =>
                    property.GetIndexParameters().Length == 0 && property.GetMethod is { IsPublic: true } && !property.IsDefined(typeof(JsonIgnoreAttribute))
                    && (property.SetMethod is not null || level.GetField($"<{property.Name}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic) is not null));
            if (own is not null)
            {
                return level.Name + "." + own.Name;
            }
        }

        return null;
    }

    /// <summary>A member as the call boundary names it: its type's name and its C# name (not its JSON name).</summary>
    public static string MemberName(JsonTypeInfo contract, JsonPropertyInfo property) =>
        contract.Type.Name + "." + ((property.AttributeProvider as MemberInfo)?.Name ?? property.Name);

    /// <summary>What a contract reads: an object's properties (named as TypeBoundary names them), a collection's items.</summary>
    private static IEnumerable<(string Member, Type Type)> Members(JsonTypeInfo contract) => contract.Kind switch
    {
        JsonTypeInfoKind.Object => contract.Properties.Select(property => (MemberName(contract, property), property.PropertyType)),
        JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary =>
            [(contract.Type.IsArray ? "[]" : "<" + contract.ElementType!.Name + ">", contract.ElementType!)],
        _ => [],
    };
}
