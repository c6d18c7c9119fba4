using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Spindle.Lab.Compare;
using Spindle.Lab.Model;
using Spindle.Lab.Tests.Support;
using Spindle.Tests.Browser;

namespace Spindle.Lab.Tests.Cli;

/// <summary><c>spindle lab --compare a b</c>: two reports side by side with ratios, in the terminal and in compare.html; bad input names --compare and exits 2.</summary>
[Collection(QuickLabCollection.Name)]
public sealed class CompareTests(QuickLabFixture lab) : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    private readonly string _directory = Directory.CreateTempSubdirectory("lab-compare-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>The quick run's report as machine A, and as machine B the same report with pthread creation taking twice as long.</summary>
    private async Task<(string A, string B)> TwoReportsAsync()
    {
        string a = Path.Combine(_directory, "a", "report.json");
        string b = Path.Combine(_directory, "b", "report.json");
        Directory.CreateDirectory(Path.GetDirectoryName(a)!);
        Directory.CreateDirectory(Path.GetDirectoryName(b)!);
        File.Copy(lab.ReportPath, a);
        JsonNode report = JsonNode.Parse(await File.ReadAllTextAsync(lab.ReportPath))!;
        JsonNode pthread = report["experiments"]!.AsArray().Single(e => (string?)e!["name"] == "creation")!["measurements"]!.AsArray()
            .Single(m => (string?)m!["series"] == "pthread_create+join")!;
        pthread["samples"] = new JsonArray([.. pthread["samples"]!.AsArray().Select(s => JsonValue.Create(2 * (double)s!))]);
        await File.WriteAllTextAsync(b, report.ToJsonString());
        return (a, b);
    }

    [Fact]
    public async Task TwoReports_PrintBothTablesWithRatios_AndWriteCompareHtml()
    {
        (string a, string b) = await TwoReportsAsync();
        string output = Path.Combine(_directory, "out");
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", a, b, "--out", output);
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains($"A: {a}", run.Output, StringComparison.Ordinal);
        Assert.Contains($"B: {b}", run.Output, StringComparison.Ordinal);
        Assert.Contains(ComparisonTerminal.TableTitle, run.Output, StringComparison.Ordinal);
        Assert.Contains(ComparisonTerminal.NumbersTitle, run.Output, StringComparison.Ordinal);
        foreach (string row in new[] { "Memory Space", "Creation Overhead", "Context Switching", "Concurrency", "Inter-communication" })
        {
            Assert.Contains(row, run.Output, StringComparison.Ordinal);
        }

        string pthreadRow = run.Output.Split('\n').Single(line => line.Contains("pthread_create + join", StringComparison.Ordinal));
        Assert.Contains("2.00x", pthreadRow, StringComparison.Ordinal);
        Assert.Contains("1.00x", run.Output.Split('\n').Single(line => line.Contains("posix_spawn + waitpid", StringComparison.Ordinal)), StringComparison.Ordinal);

        string html = Path.Combine(output, "compare.html");
        Assert.True(File.Exists(html), run.All);
        await using HeadlessChromium chromium = await Chromium.LaunchAsync();
        (IPage page, List<string> errors) = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(html).AbsoluteUri);
        Assert.Equal(8, await page.Locator("table.compare-table tr").CountAsync());
        Assert.True(await page.Locator("table.compare-table").IsVisibleAsync());
        ILocator pthread = page.Locator("table.compare-numbers tr", new PageLocatorOptions { HasText = "pthread_create + join" });
        Assert.Equal(1, await pthread.CountAsync());
        Assert.Equal("2.00x", await pthread.Locator("td").Last.TextContentAsync());
        Assert.True(await page.Locator("table.compare-all tr").CountAsync() > 50, "every common measurement is listed");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "lab-compare.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task ReportFile_ReadsBackWhatTheLabWrote()
    {
        LabReport report = await ReportFile.LoadAsync(lab.ReportPath);
        Assert.Equal(lab.Report.RootElement.GetProperty("experiments").GetArrayLength(), report.Experiments.Count);
        Assert.Equal(lab.Report.RootElement.GetProperty("verdicts").GetArrayLength(), report.Verdicts.Count);
        Measurement first = report.Experiments[0].Measurements[0];
        Assert.Equal(lab.Report.RootElement.GetProperty("experiments")[0].GetProperty("measurements")[0].GetProperty("median").GetDouble(), first.Median);
    }

    [Fact]
    public async Task OneFileOnly_NamesCompareAndExitsWithTheUsageCode()
    {
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", lab.ReportPath);
        AssertUsage(run, "needs two report.json files, got 1");
    }

    [Fact]
    public async Task MissingFile_NamesCompareAndTheFile()
    {
        string missing = Path.Combine(_directory, "nowhere", "report.json");
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", lab.ReportPath, missing);
        AssertUsage(run, $"{missing} does not exist");
    }

    [Fact]
    public async Task FileThatIsNotALabReport_NamesCompareAndSaysSo()
    {
        string other = Path.Combine(_directory, "package.json");
        await File.WriteAllTextAsync(other, """{ "name": "not a report", "version": "1.0.0" }""");
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", other, lab.ReportPath);
        AssertUsage(run, $"{other} is not a spindle lab report.json");

        CommandResult html = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", lab.ReportPath, lab.HtmlPath);
        AssertUsage(html, "is not a spindle lab report.json");
    }

    [Theory]
    [InlineData("no samples")]
    [InlineData("null samples")]
    [InlineData("no machine")]
    public async Task ReportWithAPartMissing_NamesCompareAndWhatIsMissing_NoStackTrace(string damage)
    {
        // Each used to end the comparison with an exception and exit 1 (a median of nothing, a null machine).
        JsonNode report = JsonNode.Parse(await File.ReadAllTextAsync(lab.ReportPath))!;
        JsonNode measurement = report["experiments"]![0]!["measurements"]![0]!;
        switch (damage)
        {
            case "no samples":
                measurement["samples"] = new JsonArray();
                break;
            case "null samples":
                measurement["samples"] = null;
                break;
            default:
                report["machine"] = null;
                break;
        }

        string damaged = Path.Combine(_directory, "damaged.json");
        await File.WriteAllTextAsync(damaged, report.ToJsonString());
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", lab.ReportPath, damaged);
        AssertUsage(run, damage == "no machine" ? "without its 'machine'" : $"measurement '{(string?)measurement["series"]}' of experiment");
    }

    [Fact]
    public async Task ReportsWithoutVerdicts_AreComparedAndSaySo()
    {
        // Its verdicts emptied: the seeds' table had no rows, and drawing it threw ArgumentNullException.
        JsonNode report = JsonNode.Parse(await File.ReadAllTextAsync(lab.ReportPath))!;
        report["verdicts"] = new JsonArray();
        string bare = Path.Combine(_directory, "bare.json");
        await File.WriteAllTextAsync(bare, report.ToJsonString());
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", bare, bare, "--out", Path.Combine(_directory, "out"));
        Assert.True(run.ExitCode == 0, run.All);
        Assert.Contains("neither report judges a row of it", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompareWithMeasuringOptions_IsRefused()
    {
        CommandResult run = await SpindleCommand.RunAsync(Limit, null, "lab", "--compare", lab.ReportPath, lab.ReportPath, "--quick");
        AssertUsage(run, "cannot be combined with --quick");
    }

    private static void AssertUsage(CommandResult run, string message)
    {
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--compare", run.Errors, StringComparison.Ordinal);
        Assert.Contains(message, run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.All, StringComparison.Ordinal);
    }
}
