using System.Collections.Frozen;
using System.Reflection;
using System.Text;

namespace Spindle.AspNetCore.Web;

/// <summary>Web files embedded in an assembly (see the csproj's EmbeddedResource): read once, served from memory.</summary>
internal sealed class EmbeddedAssets
{
    private readonly FrozenDictionary<string, byte[]> _files;
    private readonly string _assembly;

    /// <summary>The resources of <paramref name="assembly"/> whose names start with <paramref name="prefix"/>, by the rest of their name.</summary>
    public EmbeddedAssets(Assembly assembly, string prefix)
    {
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[prefix.Length..]] = copy.ToArray();
        }

        _files = files.ToFrozenDictionary(StringComparer.Ordinal);
        _assembly = assembly.GetName().Name ?? "?";
    }

    /// <summary>The dashboard's own page, style and script.</summary>
    public static EmbeddedAssets Dashboard { get; } = new(typeof(EmbeddedAssets).Assembly, "Spindle.AspNetCore.Assets.");

    /// <summary>The bytes of an embedded file such as <c>pools.js</c>, or null.</summary>
    public byte[]? Find(string name) => _files.GetValueOrDefault(name);

    /// <summary>An embedded text file; throws if the build left it out.</summary>
    public string Text(string name) =>
        Find(name) is { } bytes ? Encoding.UTF8.GetString(bytes) : throw new InvalidOperationException($"Embedded asset '{name}' is missing from {_assembly}.");

    public static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };
}
