using System.Text.Json;

namespace Spindle.Lab.Tests.Support;

/// <summary>
/// One <c>spindle lab --quick</c> run shared by every test that reads its report: the machine has few cores, and the
/// lab measures it, so it runs once per test run.
/// </summary>
public sealed class QuickLabFixture : IAsyncLifetime
{
    public string OutputDirectory { get; } = Path.Combine(Path.GetTempPath(), $"spindle-lab-test-{Guid.NewGuid():N}");

    internal CommandResult Run { get; private set; } = null!;

    public JsonDocument Report { get; private set; } = null!;

    public string ReportPath => Path.Combine(OutputDirectory, "report.json");

    public string HtmlPath => Path.Combine(OutputDirectory, "report.html");

    public async Task InitializeAsync()
    {
        Run = await SpindleCommand.RunAsync(TimeSpan.FromMinutes(5), null, "lab", "--quick", "--out", OutputDirectory);
        if (Run.ExitCode != 0 || !File.Exists(ReportPath))
        {
            throw new InvalidOperationException($"spindle lab --quick exited with {Run.ExitCode} and no report:\n{Run.All}");
        }

        Report = JsonDocument.Parse(await File.ReadAllTextAsync(ReportPath));
    }

    public Task DisposeAsync()
    {
        Report?.Dispose();

        // Kept as test artifacts next to the screenshots.
        foreach (string file in new[] { ReportPath, HtmlPath }.Where(File.Exists))
        {
            File.Copy(file, Path.Combine(Spindle.Tests.Browser.HeadlessChromium.ScreenshotDirectory, $"lab-{Path.GetFileName(file)}"), overwrite: true);
        }

        Directory.Delete(OutputDirectory, recursive: true);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class QuickLabCollection : ICollectionFixture<QuickLabFixture>
{
    public const string Name = "quick lab run";
}
