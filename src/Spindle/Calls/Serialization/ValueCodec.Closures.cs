using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace Spindle.Calls.Serialization;

/// <summary>Closures (the compiler's display classes): which types are, and their fields in an order both processes agree on.</summary>
internal sealed partial class ValueCodec
{
    private static readonly ConcurrentDictionary<Type, FieldInfo[]> ClosureFields = new();
    private static readonly ConcurrentDictionary<Type, bool> ClosureTypes = new();

    /// <summary>Whether <paramref name="type"/> is a compiler-generated closure whose fields are captured variables.</summary>
    public static bool IsClosure(Type type) =>
        ClosureTypes.TryGetValue(type, out bool closure) ? closure
            : ClosureTypes.GetOrAdd(type, static t => t.Name.StartsWith("<>c", StringComparison.Ordinal) && t.IsDefined(typeof(CompilerGeneratedAttribute), inherit: false));

    /// <summary>The instance fields of a closure, in a stable order both processes agree on.</summary>
    public static FieldInfo[] FieldsOf(Type closure) =>
        ClosureFields.GetOrAdd(closure, static t => t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .OrderBy(f => f.MetadataToken)
            .ToArray());

    /// <summary>What a closure field is to the user: <c>this</c>, or the captured variable's name.</summary>
    public static string LabelOf(FieldInfo field) =>
        field.Name == "<>4__this" ? "this" : $"captured variable '{field.Name}'";
}
