using System.Collections.Frozen;
using System.Reflection;
using System.Text;

namespace Spindle.Serve.Web;

/// <summary>The dashboard's files, embedded in this assembly (see the csproj): read once, served from memory.</summary>
internal static class WebAssets
{
    private const string Prefix = "Spindle.Serve.Assets.";

    private static readonly FrozenDictionary<string, byte[]> Files = Load();

    /// <summary>The bytes of an embedded file such as <c>dashboard.js</c>, or null.</summary>
    public static byte[]? Find(string name) => Files.GetValueOrDefault(name);

    /// <summary>An embedded text file; throws if the build left it out.</summary>
    public static string Text(string name) =>
        Find(name) is { } bytes ? Encoding.UTF8.GetString(bytes) : throw new InvalidOperationException($"Embedded asset '{name}' is missing from {typeof(WebAssets).Assembly.GetName().Name}.");

    public static string ContentType(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static FrozenDictionary<string, byte[]> Load()
    {
        Assembly assembly = typeof(WebAssets).Assembly;
        var files = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            files[resource[Prefix.Length..]] = copy.ToArray();
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
