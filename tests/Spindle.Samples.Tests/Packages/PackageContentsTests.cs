using System.IO.Compression;
using System.Xml.Linq;
using Xunit.Abstractions;
using Spindle.Samples.Tests.LaunchModes;

namespace Spindle.Samples.Tests.Packages;

/// <summary>What a user sees of each package before installing it: a README on the page, metadata, a licence, symbols.</summary>
[Collection(SlowProgramsCollection.Name)]
public sealed class PackageContentsTests(LocalFeed feed, ITestOutputHelper log)
{
    [Fact]
    public async Task EveryPackage_HasReadmeDescriptionLicenceAndSymbols()
    {
        string[] files = await feed.PackAsync(log);
        string[] packages = files.Where(f => f.EndsWith(".nupkg", StringComparison.Ordinal)).ToArray();
        Assert.Superset(
            new HashSet<string>(["Spindle", "Spindle.Cli", "Spindle.Serialization.MemoryPack", "Spindle.Serialization.MessagePack"]),
            packages.Select(Id).ToHashSet());

        foreach (string package in packages)
        {
            Assert.Contains(Path.ChangeExtension(package, ".snupkg"), files);
            using ZipArchive zip = ZipFile.OpenRead(Path.Combine(feed.Folder, package));
            XElement nuspec = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open()).Root!;
            XNamespace ns = nuspec.Name.Namespace;
            XElement metadata = nuspec.Element(ns + "metadata")!;
            Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "description")?.Value), $"{package} has no description.");
            Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
            string? readme = metadata.Element(ns + "readme")?.Value;
            Assert.True(readme is not null, $"{package} has no README for its package page.");
            using var reader = new StreamReader(zip.GetEntry(readme)!.Open());
            string text = await reader.ReadToEndAsync();

            // A package page shows the README alone: a relative link or image would point nowhere.
            Assert.DoesNotMatch(@"\]\((?!https?://|#)", text);
            Assert.DoesNotContain("<img", text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static string Id(string package) => package[..package.IndexOf('.' + LocalFeed.Version, StringComparison.Ordinal)];
}
