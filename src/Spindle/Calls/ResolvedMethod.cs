using System.Reflection;

namespace Spindle.Calls;

/// <summary>A method found in the worker, with what running it needs, computed once.</summary>
internal sealed class ResolvedMethod
{
    public ResolvedMethod(MethodInfo method)
    {
        Method = method;
        Parameters = method.GetParameters();
        ResultType = CallResultTypes.Unwrap(method.ReturnType);
        IsAsync = ResultType != method.ReturnType || method.ReturnType == typeof(Task) || method.ReturnType == typeof(ValueTask);
        SentParameters = Parameters.Where(p => p.ParameterType != typeof(CancellationToken)).ToArray();
        _fastMap = SentParameters.Length == 1 && Parameters.Length == 1 && !IsAsync && ResultType != typeof(void)
            ? new Lazy<MapRunner?>(() => MapRunner.Create(SentParameters[0].ParameterType, ResultType))
            : null;
    }

    public MethodInfo Method { get; }

    public ParameterInfo[] Parameters { get; }

    /// <summary>The parameters whose values travel (everything but cancellation tokens).</summary>
    public ParameterInfo[] SentParameters { get; }

    public Type ResultType { get; }

    public bool IsAsync { get; }

    private readonly Lazy<MapRunner?>? _fastMap;

    /// <summary>A typed loop for maps over a plain <c>Func&lt;T, TResult&gt;</c>: no reflection per item. Built on the first map call.</summary>
    public MapRunner? FastMap => _fastMap?.Value;
}
