using System.Globalization;
using Spindle.Samples.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Spindle.Samples.Tests.Packages;

/// <summary>
/// Every package the repository makes, packed once into a temp folder (the first test to ask pays): <c>dotnet pack</c>
/// on the solution packs each project with <c>IsPackable=true</c>, so a new package is covered without a list here.
/// Consumers restore into a package cache of their own, since the global one may hold an older Spindle 0.1.0.
/// </summary>
public sealed class LocalFeed : IDisposable
{
    /// <summary>The version every package in the repository carries (Directory.Build.props).</summary>
    public const string Version = "0.1.0";

    private const string NuGetConfig = """
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="spindle" value="{0}" />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
          </packageSources>
        </configuration>
        """;

    private readonly TempDirectory _temp = new("package");
    private readonly SemaphoreSlim _packing = new(1, 1);
    private bool _packed;

    /// <summary>The folder holding the .nupkg and .snupkg files.</summary>
    public string Folder => _temp.PathOf("feed");

    /// <summary>Environment for every dotnet command that restores from the feed: a package cache of its own.</summary>
    public IReadOnlyDictionary<string, string?> Environment => new Dictionary<string, string?> { ["NUGET_PACKAGES"] = _temp.PathOf("packages") };

    /// <summary>A fresh folder under this feed's temp folder (removed with it).</summary>
    public string NewFolder(string name) => Directory.CreateDirectory(_temp.PathOf(name)).FullName;

    /// <summary>Packs the solution once and returns the package files' names.</summary>
    public async Task<string[]> PackAsync(ITestOutputHelper log)
    {
        await _packing.WaitAsync();
        try
        {
            if (!_packed)
            {
                // The machine's package cache: packing consumes no Spindle package, and restoring every project of the
                // solution into an empty cache would download the test and benchmark dependencies too.
                await Dotnet.RunAsync(
                    Repository.Root,
                    ["pack", Repository.PathOf("Spindle.slnx"), "-o", Folder, "--artifacts-path", _temp.PathOf("artifacts")],
                    log,
                    timeout: Timeouts.PackSolution);
                _packed = true;

                // Everything a pack with an outside artifacts path writes goes there, nothing into the source tree
                // (the ReadyToRun step once glued the absolute artifacts path onto the project folder).
                string[] strays = Directory.GetDirectories(Repository.PathOf("src"), Path.GetFileName(_temp.Path) + "*", SearchOption.AllDirectories);
                if (strays.Length > 0)
                {
                    throw new InvalidOperationException($"Packing wrote into the source tree: {string.Join(", ", strays)}");
                }
            }

            return Directory.GetFiles(Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        }
        finally
        {
            _packing.Release();
        }
    }

    /// <summary>Writes a nuget.config into <paramref name="folder"/> whose sources are this feed, then NuGet.</summary>
    public Task WriteNuGetConfigAsync(string folder) =>
        File.WriteAllTextAsync(Path.Combine(folder, "nuget.config"), string.Format(CultureInfo.InvariantCulture, NuGetConfig, Folder));

    public void Dispose()
    {
        _temp.Dispose();
        _packing.Dispose();
    }
}
