using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.Readme;

/// <summary>The README's "Ten lines" example: the first C# block under that heading.</summary>
internal static partial class ReadmeExample
{
    private const string Heading = "## Ten lines";

    public static string Code()
    {
        string readme = File.ReadAllText(Repository.PathOf("README.md"));
        int heading = readme.IndexOf(Heading, StringComparison.Ordinal);
        Assert.True(heading >= 0, $"README.md has no '{Heading}' section.");
        Match block = CSharpBlock().Match(readme, heading);
        Assert.True(block.Success, $"README.md has no ```csharp block under '{Heading}'.");
        return block.Groups["code"].Value;
    }

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
