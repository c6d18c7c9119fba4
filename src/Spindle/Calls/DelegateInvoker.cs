using System.Reflection;

namespace Spindle.Calls;

/// <summary>Calls a delegate in this process with its arguments as an array, and waits for an async result.</summary>
internal static class DelegateInvoker
{
    /// <summary>Parameters of type <see cref="CancellationToken"/> receive <paramref name="cancellationToken"/>; the others take <paramref name="args"/> in order.</summary>
    public static object? Invoke(Delegate fn, object?[] args, CancellationToken cancellationToken)
    {
        ParameterInfo[] parameters = fn.Method.GetParameters();
        object?[] full = new object?[parameters.Length];
        for (int i = 0, sent = 0; i < parameters.Length; i++)
        {
            full[i] = parameters[i].ParameterType == typeof(CancellationToken) ? cancellationToken : args[sent++];
        }

        object? returned = fn.Method.Invoke(fn.Target, BindingFlags.DoNotWrapExceptions, binder: null, full, culture: null);
        return CallResultTypes.Await(returned, fn.Method.ReturnType);
    }
}
