using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using Spindle.Calls.Serialization;

namespace Spindle.Calls;

/// <summary>The worker's side of method identity: a key from <see cref="MethodTemplate.Key"/> → the same method, checked.</summary>
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
        int token = int.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var mvid = Guid.ParseExact(parts[1], "N");
        Type declaringType = ValueCodec.ResolveType(parts[2]);
        if (declaringType.Module.ModuleVersionId != mvid)
        {
            throw new InvalidOperationException(
                $"Assembly '{declaringType.Assembly.FullName}' at '{declaringType.Assembly.Location}' is a different build from the caller's " +
                "(its module version id differs). Was it rebuilt while the app was running?");
        }

        MethodInfo? method = declaringType
            .GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .FirstOrDefault(m => m.MetadataToken == token)
            ?? throw new MissingMethodException($"Method 0x{token:x8} was not found on {declaringType}.");
        if (parts.Length > 3)
        {
            method = method.MakeGenericMethod(parts.Skip(3).Select(ValueCodec.ResolveType).ToArray());
        }

        return new ResolvedMethod(method);
    }
}
