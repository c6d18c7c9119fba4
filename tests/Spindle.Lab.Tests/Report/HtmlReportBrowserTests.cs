using Microsoft.Playwright;
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
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync();
        (IPage page, List<string> errors) = await chromium.NewPageAsync();
        await page.GotoAsync(new Uri(lab.HtmlPath).AbsoluteUri);
        foreach (string experiment in experiments)
        {
            int expected = lab.Report.RootElement.GetProperty("experiments").EnumerateArray()
                .Single(e => e.GetProperty("name").GetString() == experiment)
                .GetProperty("measurements").EnumerateArray().Select(m => m.GetProperty("unit").GetString()).Distinct().Count();
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
    public async Task Report_FitsAPhoneScreen()
    {
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync();
        (IPage page, List<string> errors) = await chromium.NewPageAsync(width: 390, height: 844);
        await page.GotoAsync(new Uri(lab.HtmlPath).AbsoluteUri);
        int pageWidth = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(pageWidth <= 390, $"the page is {pageWidth} px wide on a 390 px screen");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "lab-report-phone.png"), FullPage = true });
        Assert.Empty(errors);
    }
}
