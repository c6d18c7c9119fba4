using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Spindle.Calls.Serialization;
using Spindle.Shared;

namespace Spindle.Calls;

/// <summary>
/// Knows which types can never mean the same thing in another process (streams, delegates, sockets, handles…)
/// and says why. Checked per type once and cached, so the check costs a dictionary look-up per call.
/// </summary>
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2075", Justification = DynamicCode.EngineJustification)]
internal static class TypeBoundary
{
    private static readonly ConcurrentDictionary<Type, string?> Reasons = new();

    /// <summary>Returns why values of <paramref name="type"/> cannot cross a process boundary, or null if they can.</summary>
    public static string? WhyNot(Type type) =>
        Reasons.TryGetValue(type, out string? reason) ? reason : Reasons.GetOrAdd(type, t => Inspect(t, new HashSet<Type>(), depth: 0));

    private static string? Inspect(Type type, HashSet<Type> visiting, int depth)
    {
        if (SharedReferences.IsReference(type))
        {
            return depth == 0 ? null : "a shared object travels by reference only as an argument or captured variable of its own; pass it separately";
        }

        string? own = OwnReason(type);
        if (own is not null || depth > 8 || !visiting.Add(type))
        {
            return own;
        }

        foreach ((string member, Type memberType) in BinaryCodec.CanSerialize(type) ? RawMembers(type) : Members(type))
        {
            string? inner = memberType == type ? null : Inspect(memberType, visiting, depth + 1);
            if (inner is not null)
            {
                return $"its member {member} holds a {TypeNames.Display(memberType)}, and {inner}";
            }
        }

        return null;
    }

    /// <summary>
    /// The members of a value sent as its raw bytes (an unmanaged struct, or an array of them): every field, public or
    /// not, since a handle in any of them (an <see cref="IntPtr"/>, a <see cref="GCHandle"/>) would arrive as a number
    /// that means nothing there.
    /// </summary>
    private static IEnumerable<(string Member, Type Type)> RawMembers(Type type)
    {
        if (type.IsArray)
        {
            return [("[]", type.GetElementType()!)];
        }

        if (type.IsPrimitive || type.IsEnum || !type.IsValueType)
        {
            return [];
        }

        return type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).Select(field =>
            (field.Name is ['<', .., _] && field.Name.IndexOf('>', StringComparison.Ordinal) is > 1 and int end ? field.Name[1..end] : field.Name, field.FieldType));
    }

    private static string? OwnReason(Type type)
    {
        if (type.IsPointer || type.IsFunctionPointer || type.IsByRef || type.IsByRefLike)
        {
            return "pointers and by-ref types are addresses in this process's memory";
        }

        if (type == typeof(IntPtr) || type == typeof(UIntPtr))
        {
            return "a native pointer or handle is only meaningful inside this process";
        }

        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return "a delegate is code plus objects in this process; send data and call the method inside the worker";
        }

        if (typeof(Stream).IsAssignableFrom(type))
        {
            return "a stream wraps state local to this process; send the data (for example a byte[] or a file path) instead";
        }

        if (typeof(Socket).IsAssignableFrom(type) || typeof(SafeHandle).IsAssignableFrom(type) || typeof(CriticalHandle).IsAssignableFrom(type))
        {
            return "an operating-system handle belongs to this process";
        }

        if (typeof(MarshalByRefObject).IsAssignableFrom(type) || typeof(WaitHandle).IsAssignableFrom(type))
        {
            return "it wraps a resource local to this process";
        }

        if (typeof(Thread).IsAssignableFrom(type) || typeof(IAsyncResult).IsAssignableFrom(type) || typeof(CancellationTokenSource).IsAssignableFrom(type)
            || type == typeof(TaskCompletionSource) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TaskCompletionSource<>))
            || type == typeof(ValueTask) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return "threads, tasks and cancellation sources live in this process only";
        }

        if (type == typeof(CancellationToken))
        {
            return "a cancellation token cannot be captured; give the delegate a CancellationToken parameter and pass the token to the call";
        }

        if (typeof(MemberInfo).IsAssignableFrom(type) || typeof(Assembly).IsAssignableFrom(type) || typeof(Module).IsAssignableFrom(type))
        {
            return "reflection objects cannot be serialized; send a name and look it up in the worker";
        }

        return null;
    }

    /// <summary>The members System.Text.Json would read, and element types of collections.</summary>
    private static IEnumerable<(string Member, Type Type)> Members(Type type)
    {
        if (type.IsArray)
        {
            yield return ("[]", type.GetElementType()!);
            yield break;
        }

        if (type.Namespace?.StartsWith("System", StringComparison.Ordinal) == true)
        {
            // Framework collections: look at their element types only.
            foreach (Type argument in type.IsGenericType ? type.GetGenericArguments() : [])
            {
                yield return ("<" + argument.Name + ">", argument);
            }

            yield break;
        }

        foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetMethod is not null && property.GetIndexParameters().Length == 0)
            {
                yield return (type.Name + "." + property.Name, property.PropertyType);
            }
        }

        foreach (FieldInfo field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            yield return (type.Name + "." + field.Name, field.FieldType);
        }
    }
}
