using Spindle.Samples.Tests.Infrastructure;

namespace Spindle.Samples.Tests.Readme;

/// <summary>The README says samples/QuickStart is its example; these keep that true.</summary>
public class ReadmeExampleTests
{
    [Fact]
    public void QuickStartProgram_HoldsEveryLineOfTheReadmeExampleInOrder()
    {
        string[] program = TrimmedLines(File.ReadAllText(Repository.PathOf("samples", "QuickStart", "Program.cs")));
        int next = 0;
        foreach (string line in TrimmedLines(ReadmeExample.Code()))
        {
            int found = Array.IndexOf(program, line, next);
            Assert.True(found >= 0, $"samples/QuickStart/Program.cs lacks this line of the README example (or has it out of order):{Environment.NewLine}{line}");
            next = found + 1;
        }
    }

    private static string[] TrimmedLines(string code) =>
        code.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
}
