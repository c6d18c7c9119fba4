using System.Diagnostics;
using Microsoft.Playwright;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Browser;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Browser;

/// <summary>
/// The dashboard in Debian's chromium: it follows the farm live, its form starts a job whose page reaches 100 %, a
/// killed worker is replaced on the page, it fits a phone, and no script errs. Screenshots are kept as artifacts.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const float WaitMs = 60_000;

    [Fact]
    public async Task Dashboard_FormJobToDone_KilledWorkerReplaced_NoConsoleErrors()
    {
        await using TestServer server = await TestServer.StartAsync();
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync().Within("chromium to start");
        (IPage page, List<string> errors) = await chromium.NewPageAsync(1280, 900);
        string shots = HeadlessChromium.ScreenshotDirectory;

        // The dashboard shows both worker processes, as the API lists them, and goes live.
        await page.GotoAsync(server.Server.Address.ToString());
        await page.Locator("#live.on").WaitForAsync(new() { Timeout = WaitMs });
        await page.Locator(".worker[data-pid]").Nth(1).WaitForAsync(new() { Timeout = WaitMs });
        int[] pids = await server.WorkerPidsAsync();
        Assert.Equal(pids.Order(), (await PagePidsAsync(page)).Order());

        // A job from the form: the browser follows the redirect to the job page, which reaches 100 % and offers the file.
        await page.FillAsync("input[name=frames]", "6");
        await page.FillAsync("input[name=width]", "48");
        await page.FillAsync("input[name=height]", "32");
        await page.SelectOptionAsync("select[name=scene]", "spheres");
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync("**/jobs/*", new() { Timeout = WaitMs });
        await page.Locator("body[data-state=done]").WaitForAsync(new() { Timeout = WaitMs });
        Assert.Equal("100", await page.TextContentAsync("#percent"));
        Assert.Equal("done", await page.TextContentAsync("#state"));
        string? href = await page.GetAttributeAsync("#download", "href");
        Assert.NotNull(href);
        await page.Locator("img.preview").WaitForAsync(new() { Timeout = WaitMs });
        Assert.True(await page.EvaluateAsync<bool>("document.querySelector('img.preview').naturalWidth === 48"), "the animation preview did not load");
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "job-done-desktop.png"), FullPage = true });

        // Back on the dashboard the job shows as done at 100 %.
        await page.GotoAsync(server.Server.Address.ToString());
        ILocator jobRow = page.Locator("#jobs li[data-job]").First;
        await jobRow.Locator(".state.done").WaitForAsync(new() { Timeout = WaitMs });
        Assert.Equal("100", await jobRow.Locator("[role=progressbar]").GetAttributeAsync("aria-valuenow"));

        // A real kill while a larger job renders: the worker process dies, the page shows its replacement, the job survives.
        // Several seconds of rendering, so the dashboard (refreshed every 500 ms) shows a busy worker before it is over.
        string busyJob = await server.SubmitAsync(new { frames = 300, width = 320, height = 240 });
        await page.Locator(".worker.busy").First.WaitForAsync(new() { Timeout = WaitMs });
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-busy-desktop.png"), FullPage = true });
        int victim = (await PagePidsAsync(page))[0];
        using (Process process = Process.GetProcessById(victim))
        {
            await page.Locator($".worker[data-pid='{victim}'] button.kill").ClickAsync();
            await process.WaitForExitAsync().Within("the killed worker to exit");
        }

        await page.WaitForFunctionAsync(
            "([victim, old]) => { const now = [...document.querySelectorAll('.worker[data-pid]')].map(w => +w.dataset.pid); return now.length === 2 && !now.includes(victim) && now.some(p => !old.includes(p)); }",
            new object[] { victim, pids },
            new() { Timeout = WaitMs });
        await page.Locator("[data-pool] [data-tile=restarts] b", new() { HasText = "1" }).WaitForAsync(new() { Timeout = WaitMs });
        await page.ScreenshotAsync(new() { Path = Path.Combine(shots, "dashboard-desktop.png"), FullPage = true });
        Assert.Equal("done", (await server.WaitForJobAsync(busyJob)).GetProperty("state").GetString());
        await page.Locator($"#jobs li[data-job='{busyJob}'] .state.done").WaitForAsync(new() { Timeout = WaitMs });

        Assert.Empty(errors);
    }

    [Fact]
    public async Task Dashboard_PhoneWidth_FitsWithoutSideScrolling()
    {
        await using TestServer server = await TestServer.StartAsync();
        string id = await server.SubmitAsync(new { frames = 3, width = 16, height = 16 });
        await server.WaitForJobAsync(id);
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync().Within("chromium to start");
        (IPage page, List<string> errors) = await chromium.NewPageAsync(375, 812);

        await page.GotoAsync(server.Server.Address.ToString());
        await page.Locator(".worker[data-pid]").Nth(1).WaitForAsync(new() { Timeout = WaitMs });
        await page.Locator("#jobs li[data-job] .state.done").WaitForAsync(new() { Timeout = WaitMs });
        await page.Locator("#chart polyline").WaitForAsync(new() { State = WaitForSelectorState.Attached, Timeout = WaitMs });

        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the dashboard scrolls sideways at 375 px");
        await page.ScreenshotAsync(new() { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "dashboard-phone.png"), FullPage = true });
        await page.GotoAsync(new Uri(server.Server.Address, $"/jobs/{id}").ToString());
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the job page scrolls sideways at 375 px");
        await page.ScreenshotAsync(new() { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "job-phone.png"), FullPage = true });
        Assert.Empty(errors);
    }

    private static async Task<int[]> PagePidsAsync(IPage page) =>
        (await page.Locator(".worker[data-pid]").EvaluateAllAsync<int[]>("nodes => nodes.map(n => +n.dataset.pid)"));
}
