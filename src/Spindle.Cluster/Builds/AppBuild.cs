using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Spindle.Processes;

namespace Spindle.Cluster.Builds;

/// <summary>
/// An app's build output as the cluster ships it: the top directory's assemblies, <c>.deps.json</c> and
/// <c>.runtimeconfig.json</c> files, named by a SHA-256 of their names, lengths and contents (so one build is uploaded
/// once, and a rebuilt app is another build). Packed as a zip with a manifest naming the runtimeconfig and deps file.
/// </summary>
internal sealed record AppBuild(string Directory, string Hash, string RuntimeConfig, string? DepsFile, IReadOnlyList<string> Files)
{
    /// <summary>The manifest's name inside the archive.</summary>
    public const string ManifestName = "spindle-build.json";

    private static readonly string[] Patterns = ["*.dll", "*.deps.json", "*.runtimeconfig.json"];

    // Read and hashed once per directory and process: every pool of an app ships the same build.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<AppBuild>> Described = new(StringComparer.Ordinal);

    /// <summary>This app's build: <paramref name="directory"/>, or the one holding its runtimeconfig.</summary>
    public static AppBuild OfThisApp(string? directory) =>
        Described.GetOrAdd(directory ?? string.Empty, d => new Lazy<AppBuild>(() => Describe(d.Length == 0 ? null : d))).Value;

    private static AppBuild Describe(string? directory)
    {
        (string? runtimeConfig, string? depsFile) = WorkerLauncher.FindAppFiles();
        if (runtimeConfig is null)
        {
            throw new InvalidOperationException("This app has no .runtimeconfig.json (self-contained or single-file?): a cluster pool ships a framework-dependent build to its agents.");
        }

        // Another directory (a copy, a publish output) must hold the app's own runtimeconfig and deps file by name.
        string dir = Path.GetFullPath(directory ?? Path.GetDirectoryName(runtimeConfig)!);
        string InDirectory(string path, string what) =>
            File.Exists(Path.Combine(dir, Path.GetFileName(path)))
                ? Path.GetFileName(path)
                : throw new ArgumentException($"ClusterOptions.BuildDirectory '{dir}' has no {Path.GetFileName(path)} (the app's {what}).", nameof(ClusterOptions.BuildDirectory));

        string config = InDirectory(runtimeConfig, "runtimeconfig");
        string? deps = depsFile is null ? null : InDirectory(depsFile, "deps file");
        string[] files = Patterns
            .SelectMany(p => System.IO.Directory.EnumerateFiles(dir, p))
            .Select(Path.GetFileName)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToArray()!;
        return new AppBuild(dir, HashOf(dir, files), config, deps, files);
    }

    /// <summary>Writes the archive: the manifest, then every file.</summary>
    public void WriteArchive(Stream destination)
    {
        using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        using (Stream manifest = zip.CreateEntry(ManifestName, CompressionLevel.Fastest).Open())
        {
            JsonSerializer.Serialize(manifest, new Manifest(RuntimeConfig, DepsFile));
        }

        foreach (string file in Files)
        {
            zip.CreateEntryFromFile(Path.Combine(Directory, file), file, CompressionLevel.Fastest);
        }
    }

    /// <summary>Unpacks an archive into <paramref name="directory"/> and says how to start workers from it.</summary>
    public static WorkerApp Extract(Stream archive, string directory, string? serializerType)
    {
        System.IO.Directory.CreateDirectory(directory);
        using (var zip = new ZipArchive(archive, ZipArchiveMode.Read, leaveOpen: true))
        {
            zip.ExtractToDirectory(directory, overwriteFiles: true);
        }

        return Open(directory, serializerType);
    }

    /// <summary>How to start workers from a build unpacked earlier.</summary>
    public static WorkerApp Open(string directory, string? serializerType)
    {
        Manifest manifest = JsonSerializer.Deserialize<Manifest>(File.ReadAllBytes(Path.Combine(directory, ManifestName)))
            ?? throw new InvalidDataException($"The build manifest in '{directory}' is empty.");
        return new WorkerApp(directory, manifest.RuntimeConfig, manifest.DepsFile, serializerType);
    }

    private static string HashOf(string directory, IReadOnlyList<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[8];
        foreach (string file in files)
        {
            byte[] content = File.ReadAllBytes(Path.Combine(directory, file));
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(file + "\0"));
            System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(length, content.Length);
            hash.AppendData(length);
            hash.AppendData(content);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private sealed record Manifest(string RuntimeConfig, string? DepsFile);
}
