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
            // A Task-returning delegate that returned null (not async, and forgot Task.FromResult): there is nothing to
            // wait for, and no result; a null taken for one would not even fit a value-type result.
            return IsTask(declaredReturn) ? throw NullTask(declaredReturn) : null;
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

    /// <summary>A task a thread worker's delegate returned, waited for; a null one fails the call as <see cref="Await"/> does.</summary>
    public static TResult WaitReturned<TResult>(this Task<TResult>? task) =>
        (task ?? throw NullTask(typeof(Task<TResult>))).GetAwaiter().GetResult();

    /// <inheritdoc cref="WaitReturned{TResult}(Task{TResult}?)"/>
    public static void WaitReturned(this Task? task) =>
        (task ?? throw NullTask(typeof(Task))).GetAwaiter().GetResult();

    private static InvalidOperationException NullTask(Type declaredReturn) =>
        new($"The delegate returned null instead of a {Describe(declaredReturn)}: a delegate declared to return a task must return one (mark it async, or return Task.FromResult(...)).");

    private static bool IsTask(Type type) =>
        type == typeof(Task) || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>));

    private static string Describe(Type type) =>
        type.IsGenericType ? $"Task<{type.GetGenericArguments()[0].Name}>" : type.Name;
}
