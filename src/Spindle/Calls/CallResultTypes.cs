using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Spindle.Calls;

/// <summary>What a method's return type means for a call: the awaited value's type, and how to get it.</summary>
[UnconditionalSuppressMessage("Trimming", "IL2070", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static class CallResultTypes
{
    /// <summary>Task → void, Task&lt;T&gt; → T, ValueTask&lt;T&gt; → T, anything else unchanged.</summary>
    public static Type Unwrap(Type returnType)
    {
        if (returnType == typeof(Task) || returnType == typeof(ValueTask))
        {
            return typeof(void);
        }

        if (returnType.IsGenericType && (returnType.GetGenericTypeDefinition() == typeof(Task<>) || returnType.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return returnType.GetGenericArguments()[0];
        }

        return returnType;
    }

    /// <summary>
    /// Waits for an async method's result; <paramref name="declaredReturn"/> is the method's return type.
    /// The worker runs one call at a time, so blocking its call thread here is the point.
    /// </summary>
    public static object? Await(object? returned, Type declaredReturn)
    {
        if (returned is null)
        {
            return null;
        }

        if (declaredReturn == typeof(ValueTask))
        {
            ((ValueTask)returned).GetAwaiter().GetResult();
            return null;
        }

        if (declaredReturn.IsGenericType && declaredReturn.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            returned = declaredReturn.GetMethod(nameof(ValueTask<int>.AsTask))!.Invoke(returned, null);
            declaredReturn = typeof(Task<>).MakeGenericType(declaredReturn.GetGenericArguments());
        }

        if (returned is not Task task || !typeof(Task).IsAssignableFrom(declaredReturn))
        {
            return returned;
        }

        task.GetAwaiter().GetResult();
        return declaredReturn.IsGenericType ? declaredReturn.GetProperty(nameof(Task<int>.Result))!.GetValue(task) : null;
    }
}
