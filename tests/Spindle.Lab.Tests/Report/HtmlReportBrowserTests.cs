using System.Text.Json;
using Microsoft.Playwright;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Running;
using Spindle.Lab.Tests.Support;
using Spindle.Tests.Browser;

namespace Spindle.Lab.Tests.Report;

/// <summary>report.html in headless Chromium: every experiment's charts render, no console errors, readable at phone width.</summary>
[Collection(QuickLabCollection.Name)]
public sealed class HtmlReportBrowserTests(QuickLabFixture lab)
{
    [Fact]
    public async Task Report_ShowsEveryChart_WithoutConsoleErrors()
    {
        string[] experiments = [.. lab.Report.RootElement.GetProperty("experiments").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)];
        await using HeadlessChromium chromium = await Chromium.LaunchAsync();
        (IPage page, List<string> errors) = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(lab.HtmlPath).AbsoluteUri);
        foreach (string experiment in experiments)
        {
            // One chart per unit, two when a unit is measured both over a parameter and without one.
            int expected = lab.Report.RootElement.GetProperty("experiments").EnumerateArray()
                .Single(e => e.GetProperty("name").GetString() == experiment)
                .GetProperty("measurements").EnumerateArray()
                .Select(m => (m.GetProperty("unit").GetString(), m.TryGetProperty("x", out JsonElement x) && x.ValueKind == JsonValueKind.Number)).Distinct().Count();
            ILocator charts = page.Locator($"section#{experiment} svg.chart");
            Assert.Equal(expected, await charts.CountAsync());
            for (int i = 0; i < expected; i++)
            {
                Assert.True(await charts.Nth(i).IsVisibleAsync(), $"{experiment}: chart {i} is not visible");
                LocatorBoundingBoxResult box = (await charts.Nth(i).BoundingBoxAsync())!;
                Assert.True(box.Width > 200 && box.Height > 50, $"{experiment}: chart {i} is {box.Width}x{box.Height}");
                Assert.True(await charts.Nth(i).Locator("rect, polyline").CountAsync() > 0, $"{experiment}: chart {i} draws nothing");
            }
        }

        Assert.Equal(19, await page.Locator("table.verdicts tr").CountAsync() - 1);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "lab-report.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Report_DrawsTheSwitchByWorkingSet_AThreadCurveAndAProcessCurve()
    {
        int sizes = WorkingSetSweep.Sizes(new LabScale(Quick: true)).Length;
        await using HeadlessChromium chromium = await Chromium.LaunchAsync();
        (IPage page, List<string> errors) = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(lab.HtmlPath).AbsoluteUri);
        ILocator chart = page.Locator("section#context-switch svg.chart[aria-label='Context switching: µs/switch by bytes of working set']");
        Assert.Equal(1, await chart.CountAsync());
        Assert.True(await chart.IsVisibleAsync());
        Assert.Equal(2, await chart.Locator("polyline").CountAsync());
        Assert.Equal(1, await chart.Locator("polyline[stroke-dasharray]").CountAsync()); // threads are dashed
        Assert.Equal(2 * sizes, await chart.Locator("circle").CountAsync());
        string labels = await chart.TextContentAsync() ?? string.Empty;
        Assert.All(new[] { "0 B", "256 KiB", "4 MiB", "futex ping-pong, two threads", "futex ping-pong, two processes" }, label => Assert.Contains(label, labels, StringComparison.Ordinal));

        // The same curve as numbers, and the touching it had taken off, in a table above the verdicts.
        ILocator table = page.Locator("table.switch-curve tr");
        Assert.Equal(sizes + 1, await table.CountAsync());
        Assert.True(await page.Locator("table.switch-curve").IsVisibleAsync());
        Assert.Equal(PerfLocator.Find().MissingReason is null ? 1 : 0, await page.Locator("table.perf-cross-check").CountAsync());
        await chart.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "lab-switch-curve.png") });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Report_FitsAPhoneScreen()
    {
        await using HeadlessChromium chromium = await Chromium.LaunchAsync();
        (IPage page, List<string> errors) = await chromium.NewPageAsync(width: 390, height: 844);
        await page.GotoAsync(new Uri(lab.HtmlPath).AbsoluteUri);
        int pageWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(pageWidth <= 390, $"the page is {pageWidth} px wide on a 390 px screen");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "lab-report-phone.png"), FullPage = true });
        Assert.Empty(errors);
    }
}
