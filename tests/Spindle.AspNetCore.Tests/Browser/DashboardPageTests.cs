using System.Net;
using Microsoft.Playwright;
using Spindle.AspNetCore.Tests.Support;
using Spindle.Tests.Browser;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Browser;

/// <summary>
/// The dashboard in Debian's chromium, mounted under a prefix of a user's app: both pools' workers are on the page, the
/// page follows calls as they finish, a worker killed from it is replaced on it, and no script errs. Screenshots are
/// kept as artifacts.
/// </summary>
public sealed class DashboardPageTests
{
    private const float WaitMs = 60_000;

    [Fact]
    public async Task Page_UnderANonRootPrefix_ShowsBothPools_FollowsCalls_KillReplacesAWorker()
    {
        await using DashboardApp app = await DashboardApp.StartAsync("/ops/spindle");
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync().Within("chromium to start");
        (IPage page, List<string> errors) = await chromium.NewPageAsync(1280, 900);

        // Without the trailing slash: every URL on the page is built from where it was mounted, so assets still load.
        IResponse? response = await page.GotoAsync(new Uri(app.Address, "/ops/spindle").ToString());
        Assert.Equal((int)HttpStatusCode.OK, response!.Status);
        await page.Locator("#live.on").WaitForAsync(new() { Timeout = WaitMs });
        Assert.Equal("rgb(29, 35, 48)", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('header')).backgroundColor"));

        // Both pools, each with the workers the pools report: pids of worker processes, numbers of worker threads.
        ILocator processCards = page.Locator("[data-pool=processes] .worker[data-pid]");
        ILocator threadCards = page.Locator("[data-pool=threads] .worker[data-worker]");
        await processCards.Nth(1).WaitForAsync(new() { Timeout = WaitMs });
        await threadCards.Nth(1).WaitForAsync(new() { Timeout = WaitMs });
        Assert.Equal(app.Processes.GetWorkers().Select(w => w.Id).Order(), (await processCards.EvaluateAllAsync<int[]>("n => n.map(c => +c.dataset.pid)")).Order());
        Assert.Equal(app.Threads.GetWorkers().Select(w => w.Id).Order(), (await threadCards.EvaluateAllAsync<int[]>("n => n.map(c => +c.dataset.worker)")).Order());
        Assert.Equal(0, await page.Locator("[data-pool=threads] button.kill").CountAsync());

        // Calls finish: the page counts them, per pool, without a reload.
        await Task.WhenAll(Enumerable.Range(0, 9).Select(i => app.Processes.RunAsync(() => i + 1))).Within("calls on the process pool");
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => app.Threads.RunAsync(() => i + 1))).Within("calls on the thread pool");
        await page.Locator("[data-pool=processes] [data-tile=calls] b", new() { HasText = "9" }).WaitForAsync(new() { Timeout = WaitMs });
        await page.Locator("[data-pool=threads] [data-tile=calls] b", new() { HasText = "4" }).WaitForAsync(new() { Timeout = WaitMs });
        await page.ScreenshotAsync(new() { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "pools-desktop.png"), FullPage = true });

        // A real kill from the page: the process dies, its replacement shows up, the restart is counted.
        int victim = (await processCards.EvaluateAllAsync<int[]>("n => n.map(c => +c.dataset.pid)"))[0];
        using (var process = System.Diagnostics.Process.GetProcessById(victim))
        {
            await page.Locator($"[data-pool=processes] .worker[data-pid='{victim}'] button.kill").ClickAsync();
            await process.WaitForExitAsync().Within("the killed worker to exit");
        }

        await page.WaitForFunctionAsync(
            "victim => { const now = [...document.querySelectorAll('[data-pool=processes] .worker[data-pid]')].map(w => +w.dataset.pid); return now.length === 2 && !now.includes(victim); }",
            victim,
            new() { Timeout = WaitMs });
        await page.Locator("[data-pool=processes] [data-tile=restarts] b", new() { HasText = "1" }).WaitForAsync(new() { Timeout = WaitMs });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Page_PoolNamesThatNeedEscaping_EachKillButtonKillsItsPoolsWorker()
    {
        string[] names = ["img/thumbs", "img%2Fthumbs", "a b", "50%", "x?y", "c#", "..", "."];
        WorkerPool[] pools = [.. names.Select(name => new WorkerPool(new WorkerPoolOptions { Name = name, Isolation = Isolation.Process, Workers = 1, WarmUp = true }))];
        try
        {
            await using DashboardApp app = await DashboardApp.StartAsync(configure: o => { foreach (WorkerPool pool in pools) { o.Pools.Add(pool); } });
            await Task.WhenAll(pools.Select(p => p.WarmUpAsync())).Within("the pools to warm up");
            await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync().Within("chromium to start");
            (IPage page, List<string> errors) = await chromium.NewPageAsync(1280, 900);
            await page.GotoAsync(new Uri(app.Address, "/spindle/").ToString());

            foreach (WorkerPool pool in pools)
            {
                int victim = pool.GetWorkers()[0].Id;
                using var process = System.Diagnostics.Process.GetProcessById(victim);
                ILocator kill = page.Locator($"[data-pool=\"{pool.Name}\"] .worker[data-pid='{victim}'] button.kill");
                await kill.WaitForAsync(new() { Timeout = WaitMs });

                IResponse response = await page.RunAndWaitForResponseAsync(() => kill.ClickAsync(), r => r.Request.Method == "POST", new() { Timeout = WaitMs });

                Assert.True(response.Status == (int)HttpStatusCode.Accepted, $"pool '{pool.Name}': {response.Status} from {response.Url}");
                await process.WaitForExitAsync().Within($"the worker of pool '{pool.Name}' to die");
            }

            Assert.Empty(errors);
        }
        finally
        {
            await Task.WhenAll(pools.Select(p => p.DisposeAsync().AsTask())).Within("the pools to stop");
        }
    }

    [Fact]
    public async Task Page_PhoneWidth_FitsWithoutSideScrolling()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();
        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync().Within("chromium to start");
        (IPage page, List<string> errors) = await chromium.NewPageAsync(375, 812);

        await page.GotoAsync(new Uri(app.Address, "/spindle/").ToString());
        await page.Locator("[data-pool=processes] .worker[data-pid]").Nth(1).WaitForAsync(new() { Timeout = WaitMs });
        await page.Locator("[data-pool=threads] .worker").Nth(1).WaitForAsync(new() { Timeout = WaitMs });

        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "the dashboard scrolls sideways at 375 px");
        await page.ScreenshotAsync(new() { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "pools-phone.png"), FullPage = true });
        Assert.Empty(errors);
    }
}
