using System.Collections.Concurrent;

namespace Spindle.Calls.Serialization;

/// <summary>
/// Type names on the wire: a value whose runtime type differs from the declared one carries its assembly-qualified
/// name, resolved once per name on the reading side; a failure names the assembly that could not be loaded.
/// </summary>
internal sealed partial class ValueCodec
{
    private static readonly ConcurrentDictionary<string, Type> TypesByName = new(StringComparer.Ordinal);

    /// <summary>Records a type found another way under its wire name, so reading it later needs no name parsing.</summary>
    public static void RememberType(string name, Type type) => TypesByName.TryAdd(name, type);

    /// <summary>Finds a type by its assembly-qualified name; a failure names the assembly that could not be loaded.</summary>
    public static Type ResolveType(string name)
    {
        if (TypesByName.TryGetValue(name, out Type? known))
        {
            return known;
        }

        try
        {
            return TypesByName.GetOrAdd(name, Type.GetType(name, throwOnError: true)!);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new TypeLoadException($"The worker process could not load assembly {AssemblyOf(name)} (needed for type {name}): {e.Message}", e);
        }
    }

    private static string AssemblyOf(string assemblyQualifiedName)
    {
        // "Namespace.Type[[...]], Assembly, Version=..., Culture=..., PublicKeyToken=..." — the assembly follows the type's closing brackets.
        int depth = 0;
        for (int i = 0; i < assemblyQualifiedName.Length; i++)
        {
            char c = assemblyQualifiedName[i];
            depth += c == '[' ? 1 : c == ']' ? -1 : 0;
            if (c == ',' && depth == 0)
            {
                return "'" + assemblyQualifiedName[(i + 1)..].Trim() + "'";
            }
        }

        return "(unknown)";
    }
}
