using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;

namespace Spindle.Calls;

/// <summary>
/// Everything about a delegate's method that does not change between calls, computed once: its identity on the
/// wire (metadata token + module version id + declaring type, so overloads, generic methods and local functions
/// are unambiguous), its parameters, and whether a worker process could find it at all.
/// </summary>
[UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Assembly.Location is empty for assemblies in a single-file bundle or loaded from memory; every use here checks for that (MethodTemplate refuses such a delegate with a ProcessBoundaryException naming it).")]
internal sealed class MethodTemplate
{
    private static readonly ConcurrentDictionary<MethodInfo, MethodTemplate> Cache = new();
    private static readonly IReadOnlySet<FieldInfo> NoFields = new HashSet<FieldInfo>();

    private MethodTemplate(MethodInfo method)
    {
        Method = method;
        Parameters = method.GetParameters();
        ArgumentLabels = [.. Parameters.Select(p => $"argument '{p.Name}'")];
        SentParameterCount = Parameters.Count(p => p.ParameterType != typeof(CancellationToken));
        ResultType = CallResultTypes.Unwrap(method.ReturnType);
        Key = BuildKey(method);
        AssemblyHints = BuildHints(method);
        // A static method has no target, so no captured variables: skip reading its IL.
        UsedClosureFields = method.IsStatic ? NoFields : ClosureUsage.FieldsUsedBy(method);
    }

    /// <summary>How long calls of this method run in worker processes.</summary>
    public CallProfile Profile { get; } = new();

    /// <summary>Parameters whose values travel (all but cancellation tokens).</summary>
    public int SentParameterCount { get; }

    /// <summary>
    /// Whether one successful check covers every later call: no captured variables are used, and every parameter's
    /// type fixes the runtime type of its values (a value type, or a sealed class), so nothing new can arrive.
    /// </summary>
    public bool CanStayVerified =>
        _canStayVerified ??= (Method.IsStatic || (Serialization.ValueCodec.IsClosure(Method.DeclaringType!) && UsedClosureFields.Count == 0))
            && Parameters.All(p => p.ParameterType == typeof(CancellationToken)
                || (p.ParameterType.IsValueType && Nullable.GetUnderlyingType(p.ParameterType) is null)
                || (p.ParameterType.IsSealed && !p.ParameterType.IsArray));

    /// <summary>Set once a check passed and <see cref="CanStayVerified"/>: thread isolation then skips the check.</summary>
    public bool VerifiedForGood { get; set; }

    private bool? _canStayVerified;

    /// <summary>The closure fields the method uses: only these captured variables travel.</summary>
    public IReadOnlySet<System.Reflection.FieldInfo> UsedClosureFields { get; }

    public MethodInfo Method { get; }

    public ParameterInfo[] Parameters { get; }

    /// <summary>How errors name each parameter ("argument 'x'"), built once instead of on every call.</summary>
    public string[] ArgumentLabels { get; }

    /// <summary>The type of the value the call produces once any Task/ValueTask is awaited (void for none).</summary>
    public Type ResultType { get; }

    /// <summary>The method's identity on the wire: <c>token|mvid|declaring type|generic arguments…</c>.</summary>
    public string Key { get; }

    /// <summary>Assemblies loaded from outside the app's own dependency list: name and path, so a worker can find them.</summary>
    public (string Name, string Path)[] AssemblyHints { get; }

    /// <summary>Returns the template for <paramref name="fn"/>, or throws naming why no worker process could run it.</summary>
    public static MethodTemplate For(Delegate fn, string paramName)
    {
        if (fn.HasSingleTarget is false)
        {
            throw new ProcessBoundaryException($"delegate '{paramName}'", fn.GetType(), "it is a multicast delegate; pass one method", paramName);
        }

        MethodInfo method = fn.Method;
        if (Cache.TryGetValue(method, out MethodTemplate? template))
        {
            return template;
        }

        Validate(method, fn.GetType(), paramName);
        return Cache.GetOrAdd(method, static m => new MethodTemplate(m));
    }

    private static void Validate(MethodInfo method, Type delegateType, string paramName)
    {
        if (method.DeclaringType is null || method.Module.Assembly.IsDynamic)
        {
            throw new ProcessBoundaryException($"delegate '{paramName}'", delegateType,
                "its method was generated at run time (a DynamicMethod, a compiled expression tree or Reflection.Emit), so no worker process can load it", paramName);
        }

        if (string.IsNullOrEmpty(method.Module.Assembly.Location))
        {
            throw new ProcessBoundaryException($"delegate '{paramName}'", delegateType,
                $"its assembly '{method.Module.Assembly.FullName}' was loaded from memory, not from a file, so no worker process can load it. " +
                "In a single-file app, call WorkerHost.RunIfWorker() first thing in Main (see the README)", paramName);
        }

        foreach (ParameterInfo parameter in method.GetParameters())
        {
            if (parameter.ParameterType.IsByRef)
            {
                throw new ProcessBoundaryException($"parameter '{parameter.Name}' of delegate '{paramName}'", parameter.ParameterType,
                    "ref and out parameters cannot flow back from a worker process", paramName);
            }
        }
    }

    private static string BuildKey(MethodInfo method)
    {
        var key = new StringBuilder();
        key.Append(method.MetadataToken.ToString("x8", System.Globalization.CultureInfo.InvariantCulture))
            .Append('|').Append(method.Module.ModuleVersionId.ToString("N"))
            .Append('|').Append(TypeNames.Wire(method.DeclaringType!));
        if (method.IsGenericMethod)
        {
            foreach (Type argument in method.GetGenericArguments())
            {
                key.Append('|').Append(TypeNames.Wire(argument));
            }
        }

        return key.ToString();
    }

    private static (string Name, string Path)[] BuildHints(MethodInfo method)
    {
        var assemblies = new HashSet<Assembly> { method.Module.Assembly };
        foreach (Type argument in method.DeclaringType!.GetGenericArguments().Concat(method.IsGenericMethod ? method.GetGenericArguments() : []))
        {
            assemblies.Add(argument.Assembly);
        }

        return assemblies
            .Where(a => AssemblyLoadContext.GetLoadContext(a) != AssemblyLoadContext.Default || !IsTrustedPlatformAssembly(a))
            .Select(a => (a.FullName!, a.Location))
            .ToArray();
    }

    private static bool IsTrustedPlatformAssembly(Assembly assembly)
    {
        string tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? string.Empty;
        return tpa.Contains(assembly.Location, StringComparison.Ordinal);
    }
}
