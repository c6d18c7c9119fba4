using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace Spindle.Calls;

/// <summary>Runs a <c>Func&lt;T, TResult&gt;</c> over a chunk of items through a typed delegate.</summary>
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal abstract class MapRunner
{
    public static MapRunner Create(Type item, Type result) =>
        (MapRunner)Activator.CreateInstance(typeof(MapRunner<,>).MakeGenericType(item, result))!;

    public abstract Array Run(MethodInfo method, object? target, Array items, CancellationToken cancellationToken);
}

/// <summary>The typed body of <see cref="MapRunner"/>.</summary>
internal sealed class MapRunner<T, TResult> : MapRunner
{
    public override Array Run(MethodInfo method, object? target, Array items, CancellationToken cancellationToken)
    {
        var fn = (Func<T, TResult>)method.CreateDelegate(typeof(Func<T, TResult>), target);
        var source = (T[])items;
        var results = new TResult[source.Length];
        for (int i = 0; i < source.Length; i++)
        {
            if ((i & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            results[i] = fn(source[i]);
        }

        return results;
    }
}
