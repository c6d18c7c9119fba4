using System.Text.RegularExpressions;
using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.AspNetCore.Tests.Readme;

/// <summary>The README's "Dashboard in your app" snippet is samples/Dashboard, which the solution builds: it compiles.</summary>
public sealed partial class ReadmeSnippetTests
{
    [Fact]
    public void DashboardSample_HoldsEveryLineOfTheReadmeSnippetInOrder()
    {
        string readme = File.ReadAllText(Repository.PathOf("README.md"));
        int heading = readme.IndexOf("## Dashboard in your app", StringComparison.Ordinal);
        Assert.True(heading >= 0, "README.md has no 'Dashboard in your app' section.");
        Match block = CSharpBlock().Match(readme, heading);
        Assert.True(block.Success, "README.md has no ```csharp block under 'Dashboard in your app'.");

        string[] program = Lines(File.ReadAllText(Repository.PathOf("samples", "Dashboard", "Program.cs")));
        int next = 0;
        foreach (string line in Lines(block.Groups["code"].Value))
        {
            int found = Array.IndexOf(program, line, next);
            Assert.True(found >= 0, $"samples/Dashboard/Program.cs lacks this line of the README snippet (or has it out of order):{Environment.NewLine}{line}");
            next = found + 1;
        }
    }

    // Trailing comments (a URL to open) are the README's, not code.
    private static string[] Lines(string code) =>
        [.. code.Split('\n').Select(line => TrailingComment().Replace(line, "").Trim()).Where(line => line.Length > 0)];

    [GeneratedRegex(@"```csharp\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();

    [GeneratedRegex(@"\s+// .*$")]
    private static partial Regex TrailingComment();
}
