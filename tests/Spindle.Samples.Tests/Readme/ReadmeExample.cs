using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.Readme;

/// <summary>
/// The README's "Ten lines" example: the first C# block under that heading; and the package README's
/// (src/Spindle/README.md, the package page) "A process pool" example.
/// </summary>
internal static partial class ReadmeExample
{
    public static string Code() => Code(Repository.PathOf("README.md"), "## Ten lines");

    /// <summary>The example on the Spindle package's page.</summary>
    public static string PackageCode() => Code(Repository.PathOf("src", "Spindle", "README.md"), "## A process pool");

    private static string Code(string path, string heading)
    {
        string readme = File.ReadAllText(path);
        int start = readme.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{path} has no '{heading}' section.");
        Match block = CSharpBlock().Match(readme, start);
        Assert.True(block.Success, $"{path} has no ```csharp block under '{heading}'.");
        return block.Groups["code"].Value;
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
