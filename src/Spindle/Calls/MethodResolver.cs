using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.Loader;
using Spindle.Calls.Serialization;

namespace Spindle.Calls;

/// <summary>The worker's side of method identity: a key from <see cref="MethodTemplate.Key"/> → the same method, checked.</summary>
[UnconditionalSuppressMessage("SingleFile", "IL3000", Justification = "Assembly.Location is empty for assemblies in a single-file bundle or loaded from memory; every use here checks for that (MethodTemplate refuses such a delegate with a ProcessBoundaryException naming it).")]
[UnconditionalSuppressMessage("Trimming", "IL2026", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2060", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("Trimming", "IL2075", Justification = DynamicCode.EngineJustification)]
[UnconditionalSuppressMessage("AOT", "IL3050", Justification = DynamicCode.EngineJustification)]
internal static class MethodResolver
{
    private static readonly ConcurrentDictionary<string, ResolvedMethod> Cache = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> AssemblyPaths = new(StringComparer.Ordinal);
    private static int _resolvingInstalled;

    /// <summary>Remembers where an assembly the app loaded from outside its dependency list lives.</summary>
    public static void AddAssemblyHint(string fullName, string path)
    {
        if (Interlocked.Exchange(ref _resolvingInstalled, 1) == 0)
        {
            AssemblyLoadContext.Default.Resolving += static (context, name) =>
                AssemblyPaths.TryGetValue(name.FullName, out string? hinted) || AssemblyPaths.TryGetValue(name.Name ?? string.Empty, out hinted)
                    ? LoadHinted(context, name, hinted)
                    : null;
        }

        AssemblyPaths.TryAdd(fullName, path);
        AssemblyPaths.TryAdd(new AssemblyName(fullName).Name ?? fullName, path);
    }

    public static ResolvedMethod Resolve(string key) =>
        Cache.TryGetValue(key, out ResolvedMethod? method) ? method : Cache.GetOrAdd(key, Load);

    private static Assembly LoadHinted(AssemblyLoadContext context, AssemblyName name, string path) =>
        File.Exists(path)
            ? context.LoadFromAssemblyPath(path)
            : throw new FileNotFoundException($"The worker process could not load assembly '{name.FullName}': the file '{path}' the caller loaded it from no longer exists.", path);

    private static ResolvedMethod Load(string key)
    {
        string[] parts = key.Split('|');
        int token = Convert.ToInt32(parts[0], 16); // culture-free, unlike int.Parse: see WorkerEnvironment
        var mvid = Guid.ParseExact(parts[1], "N");
        MethodInfo method = FindByToken(parts[2], token, mvid) ?? FindByTypeName(parts[2], token, mvid);
        if (parts.Length > 3)
        {
            method = method.MakeGenericMethod(parts.Skip(3).Select(ValueCodec.ResolveType).ToArray());
        }

        return new ResolvedMethod(method);
    }

    /// <summary>
    /// The quick way for a method of a non-generic type: load the assembly by its simple name and look the token up in
    /// the module with the caller's version id. It skips parsing the assembly-qualified type name, which costs a
    /// fresh worker several milliseconds on its first call. Null when the quick way does not apply.
    /// </summary>
    private static MethodInfo? FindByToken(string declaringTypeName, int token, Guid mvid)
    {
        // "Namespace.Type+Nested, Assembly, Version=…": no brackets means no generic arguments to bind.
        int comma = declaringTypeName.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0 || declaringTypeName.Contains('[', StringComparison.Ordinal))
        {
            return null;
        }

        int end = declaringTypeName.IndexOf(',', comma + 1);
        string assemblyName = declaringTypeName[(comma + 1)..(end < 0 ? declaringTypeName.Length : end)].Trim();
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName { Name = assemblyName });
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }

        Module? module = Array.Find(assembly.GetModules(), m => m.ModuleVersionId == mvid);
        MethodInfo? method;
        try
        {
            method = module?.ResolveMethod(token) as MethodInfo;
        }
        catch (ArgumentException)
        {
            // Not a method of this module: the slow way below says so with a clear message.
            return null;
        }

        if (method?.DeclaringType is not { IsGenericType: false } declaringType
            || !string.Equals(declaringType.AssemblyQualifiedName, declaringTypeName, StringComparison.Ordinal))
        {
            return null;
        }

        // A lambda's target is an instance of its declaring type (the closure): reading it needs the same type.
        ValueCodec.RememberType(declaringTypeName, declaringType);
        return method;
    }

    private static MethodInfo FindByTypeName(string declaringTypeName, int token, Guid mvid)
    {
        Type declaringType = ValueCodec.ResolveType(declaringTypeName);
        if (declaringType.Module.ModuleVersionId != mvid)
        {
            throw new InvalidOperationException(
                $"Assembly '{declaringType.Assembly.FullName}' at '{declaringType.Assembly.Location}' is a different build from the caller's " +
                "(its module version id differs). Was it rebuilt while the app was running?");
        }

        return declaringType
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .FirstOrDefault(m => m.MetadataToken == token)
            ?? throw new MissingMethodException($"Method 0x{token:x8} was not found on {declaringType}.");
    }
}
