namespace Spindle.Calls;

/// <summary>Type names as they travel (assembly-qualified) and as users read them (C#-like).</summary>
internal static class TypeNames
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, string> WireNames = new();

    /// <summary>The assembly-qualified name, cached: .NET builds a new string on every <see cref="Type.AssemblyQualifiedName"/>.</summary>
    public static string Wire(Type type) =>
        WireNames.TryGetValue(type, out string? name) ? name
            : WireNames.GetOrAdd(type, type.AssemblyQualifiedName ?? throw new ProcessBoundaryException("a value", type, "its type has no assembly-qualified name (a generic parameter?)"));

    public static string Display(Type type)
    {
        if (type.IsArray)
        {
            return Display(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (!type.IsGenericType)
        {
            return type.FullName ?? type.Name;
        }

        string name = type.GetGenericTypeDefinition().FullName ?? type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        return name + "<" + string.Join(", ", type.GetGenericArguments().Select(Display)) + ">";
    }
}
