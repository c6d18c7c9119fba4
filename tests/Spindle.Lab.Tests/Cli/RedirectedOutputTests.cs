using Spindle.Lab.Tests.Support;

namespace Spindle.Lab.Tests.Cli;

/// <summary>Output written to a file or a pipe is plain text: no colour codes, no progress bars, even when TERM says the terminal has colours.</summary>
[Collection(QuickLabCollection.Name)]
public sealed class RedirectedOutputTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    /// <summary>A colour terminal's TERM and no NO_COLOR: only the redirection itself may turn the colours off.</summary>
    private static readonly Dictionary<string, string> ColourTerminal = new() { ["TERM"] = "xterm-256color", ["NO_COLOR"] = "" };

    private readonly string _directory = Directory.CreateTempSubdirectory("lab-redirected-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Lab_StdoutRedirected_WritesNoEscapeCodes()
    {
        CommandResult run = await SpindleCommand.RunAsync(Limit, ColourTerminal, "lab", "--quick", "--only", "isolation", "--out", _directory);

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("Isolation", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", run.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_StdoutRedirected_WritesNoEscapeCodes()
    {
        CommandResult run = await SpindleCommand.RunAsync(Limit, ColourTerminal, "check", "--calls", "10");

        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("Workers start as:", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", run.All, StringComparison.Ordinal);
    }
}
