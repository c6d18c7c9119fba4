using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using Spindle.Calls;

namespace Spindle.Shared;

/// <summary>
/// Releases the shared arrays inside a result a worker could not send. A <see cref="SharedArray{T}"/> is handed over
/// only as a result of its own; one inside a tuple, a record or a map's results is refused (<see cref="TypeBoundary"/>).
/// Returning an array gives it away, as a handed-over one is, so once the result is refused nobody holds the worker's
/// use of it: without this its segment would stay in the shared-memory directory until the worker exits.
/// </summary>
/// <remarks>
/// The walk looks where the refusal looks: array elements, tuple items, the items of the framework's collections, and
/// the public fields and properties of other types, as deep as the refusal goes. A lazy sequence (LINQ's) is not run:
/// it would make its items again.
/// </remarks>
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = DynamicCode.EngineJustification)]
internal static class UnsentSharedArrays
{
    /// <summary>As deep as <see cref="TypeBoundary"/> looks for a shared object inside another value.</summary>
    private const int MaxDepth = 9;

    /// <summary>Disposes every shared array <paramref name="result"/> holds.</summary>
    public static void Release(object? result)
    {
        var found = new List<ISegmentBacked>();
        Collect(result, found, new HashSet<object>(ReferenceEqualityComparer.Instance), depth: 0);
        foreach (ISegmentBacked array in found)
        {
            array.Dispose();
        }
    }

    private static void Collect(object? value, List<ISegmentBacked> found, HashSet<object> seen, int depth)
    {
        if (value is null || depth > MaxDepth)
        {
            return;
        }

        Type type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string || (!type.IsValueType && !seen.Add(value)))
        {
            return;
        }

        if (value is ISegmentBacked array)
        {
            found.Add(array);
            return;
        }

        foreach (object? part in PartsOf(value, type))
        {
            Collect(part, found, seen, depth + 1);
        }
    }

    private static IEnumerable<object?> PartsOf(object value, Type type)
    {
        if (value is ITuple tuple)
        {
            return Enumerable.Range(0, tuple.Length).Select(i => tuple[i]);
        }

        if (value is Array items)
        {
            return items.GetType().GetElementType()!.IsPrimitive ? [] : items.Cast<object?>();
        }

        if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true)
        {
            return type.Namespace.StartsWith("System.Collections", StringComparison.Ordinal) ? CollectionParts(value, type) : [];
        }

        return MemberValues(value, type);
    }

    /// <summary>A framework collection's items (they are held, not made on demand), or a dictionary entry's key and value.</summary>
    private static IEnumerable<object?> CollectionParts(object value, Type type)
    {
        if (value is IEnumerable collection)
        {
            return collection.Cast<object?>();
        }

        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(KeyValuePair<,>)
            ? [type.GetProperty("Key")!.GetValue(value), type.GetProperty("Value")!.GetValue(value)]
            : [];
    }

    /// <summary>The public fields and properties, which a serializer would have written.</summary>
    private static IEnumerable<object?> MemberValues(object value, Type type)
    {
        foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            yield return field.GetValue(value);
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetMethod is null || property.GetIndexParameters().Length != 0)
            {
                continue;
            }

            object? held;
            try
            {
                held = property.GetValue(value);
            }
            catch (TargetInvocationException)
            {
                // A getter that throws hides what it would return; the caller must hear the refusal, not this.
                continue;
            }

            yield return held;
        }
    }
}
