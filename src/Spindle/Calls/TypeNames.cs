namespace Spindle.Calls;

/// <summary>Type names as they travel (assembly-qualified) and as users read them (C#-like).</summary>
internal static class TypeNames
{
    public static string Wire(Type type) =>
        type.AssemblyQualifiedName ?? throw new ProcessBoundaryException("a value", type, "its type has no assembly-qualified name (a generic parameter?)");

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
