using Microsoft.Playwright;
using Spindle.Cluster.Tests.Support;
using Spindle.Serve.Tests.Cluster;
using Spindle.Tests.Browser;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Browser;

/// <summary>
/// The pool dashboard of <c>spindle serve --cluster</c> in Debian's chromium: each agent gets a card with its figures and
/// worker processes, and its drain button really drains the agent process (a same-origin POST from the page).
/// </summary>
public sealed class AgentsBrowserTests(NatsServer nats) : IClassFixture<NatsServer>
{
    private const float WaitMs = 60_000;

    private readonly string _cluster = "b" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task PoolPage_ShowsAgentCards_DrainButtonDrainsTheAgent()
    {
        await using ServeProcess serve = await ServeProcess.StartAsync(nats, _cluster);
        await using AgentProcess agent = await AgentProcess.StartAsync(nats, "page-1", _cluster, workers: 2);
        string id = await serve.SubmitAsync(new { frames = 4, width = 32, height = 24 });
        await serve.WaitForJobAsync(id, j => j.GetProperty("state").GetString() == "done", "to be done");
        await serve.AgentAsync(agent.Name, a => a.GetProperty("workerProcesses").GetArrayLength() > 0, "with its worker processes");

        await using HeadlessChromium chromium = await HeadlessChromium.LaunchAsync().Within("chromium to start");
        (IPage page, List<string> errors) = await chromium.NewPageAsync(1280, 900);
        await page.GotoAsync(new Uri(serve.Client.BaseAddress!, "/pools/").ToString());
        ILocator card = page.Locator($".agent[data-agent='{agent.Name}']");
        await card.Locator(".processes li[data-pid]").First.WaitForAsync(new() { Timeout = WaitMs });
        string text = await card.InnerTextAsync();
        foreach (string label in new[] { "host", "cores", "busy", "CPU", "RSS", "calls", "crashes", "heartbeat", Environment.MachineName })
        {
            Assert.Contains(label, text, StringComparison.Ordinal);
        }

        await page.ScreenshotAsync(new() { Path = Path.Combine(HeadlessChromium.ScreenshotDirectory, "pools-agents-desktop.png"), FullPage = true });

        await card.Locator("button.drain").ClickAsync();
        Assert.Equal(0, await agent.Exited.Within("the agent drained from the page to exit"));
        await card.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = WaitMs });
        Assert.Empty(errors);
    }
}
