using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Spindle.AspNetCore.Tests.Support;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Api;

/// <summary>Killing a worker process from the dashboard: a real death, a real replacement, and only from the dashboard's own pages.</summary>
public sealed class KillTests
{
    [Fact]
    public async Task Kill_SameOrigin_TheProcessDies_ThePoolReplacesIt_TheDashboardCountsIt()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();
        int victim = app.Processes.GetWorkers()[0].Id;
        using var process = Process.GetProcessById(victim);

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/spindle/api/pools/processes/workers/{victim}/kill");
        request.Headers.Add("Origin", $"http://{app.Address.Authority}");
        using HttpResponseMessage response = await app.Client.SendAsync(request).Within("the kill");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await process.WaitForExitAsync().Within("the worker process to die");
        JsonElement pool = default;
        await Poll.UntilAsync(
            async () =>
            {
                pool = await app.PoolAsync("processes");
                int[] pids = [.. pool.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("pid").GetInt32())];
                return pids.Length == 2 && !pids.Contains(victim) && pool.GetProperty("totals").GetProperty("restarts").GetInt32() == 1;
            },
            "the pool to replace the killed worker on the dashboard");
        Assert.Equal(1, pool.GetProperty("totals").GetProperty("crashes").GetInt32());
    }

    public static TheoryData<string> NamesThatNeedEscaping => new() { "img/thumbs", "img%2Fthumbs", "a b", "50%", "x?y", "c#", "..", "." };

    [Theory]
    [MemberData(nameof(NamesThatNeedEscaping))]
    public async Task Kill_PoolNameThatNeedsEscaping_EncodedAsThePageDoes_KillsItsWorker(string name)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Name = name, Isolation = Isolation.Process, Workers = 1, WarmUp = true });
        await using DashboardApp app = await DashboardApp.StartAsync(configure: o => o.Pools.Add(pool));
        await pool.WarmUpAsync().Within("the pool to warm up");
        int victim = pool.GetWorkers()[0].Id;
        using var process = Process.GetProcessById(victim);

        using HttpResponseMessage response = await PostKillAsync(app, PageSegment(name), victim);

        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(name, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("pool").GetString());
        await process.WaitForExitAsync().Within("the worker process to die");
    }

    [Theory]
    [InlineData("img/thumbs", "img%2Fthumbs")]
    [InlineData("a b", "a%20b")]
    [InlineData("x?y", "x%3Fy")]
    [InlineData("c#", "c%23")]
    public async Task Kill_PoolNameEncodedOnce_AsAHandWrittenRequestWould_KillsItsWorker(string name, string segment)
    {
        await using var pool = new WorkerPool(new WorkerPoolOptions { Name = name, Isolation = Isolation.Process, Workers = 1, WarmUp = true });
        await using DashboardApp app = await DashboardApp.StartAsync(configure: o => o.Pools.Add(pool));
        await pool.WarmUpAsync().Within("the pool to warm up");
        int victim = pool.GetWorkers()[0].Id;
        using var process = Process.GetProcessById(victim);

        using HttpResponseMessage response = await PostKillAsync(app, segment, victim);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await process.WaitForExitAsync().Within("the worker process to die");
    }

    [Fact]
    public async Task Kill_TwoPoolsWhoseNamesDifferByAnEscape_OnlyTheNamedOneLosesItsWorker()
    {
        await using var slashed = new WorkerPool(new WorkerPoolOptions { Name = "img/thumbs", Isolation = Isolation.Process, Workers = 1, WarmUp = true });
        await using var escaped = new WorkerPool(new WorkerPoolOptions { Name = "img%2Fthumbs", Isolation = Isolation.Process, Workers = 1, WarmUp = true });
        await using DashboardApp app = await DashboardApp.StartAsync(configure: o => { o.Pools.Add(slashed); o.Pools.Add(escaped); });
        await Task.WhenAll(slashed.WarmUpAsync(), escaped.WarmUpAsync()).Within("the pools to warm up");
        int victim = escaped.GetWorkers()[0].Id;
        int bystander = slashed.GetWorkers()[0].Id;
        using var process = Process.GetProcessById(victim);

        using HttpResponseMessage wrongPool = await PostKillAsync(app, PageSegment("img/thumbs"), victim);
        using HttpResponseMessage rightPool = await PostKillAsync(app, PageSegment("img%2Fthumbs"), victim);

        Assert.Equal(HttpStatusCode.NotFound, wrongPool.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, rightPool.StatusCode);
        await process.WaitForExitAsync().Within("the worker process to die");
        Assert.Equal(bystander, slashed.GetWorkers().Single().Id);
    }

    [Theory]
    [InlineData("drain")]
    [InlineData("kill")]
    public async Task AgentOrder_PoolOfThisMachine_404NamesWhy_StatusHasNoAgents(string order)
    {
        await using DashboardApp app = await DashboardApp.StartAsync();

        using HttpResponseMessage response = await app.Client.PostAsync($"/spindle/api/pools/processes/agents/some-agent/{order}", null).Within($"POST {order}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("only a cluster pool has agents", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await app.PoolAsync("processes")).GetProperty("agents").ValueKind);
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("http://localhost:1")]
    [InlineData("null")]
    public async Task Kill_FromAnotherOrigin_Refused403_TheWorkerLives(string origin)
    {
        await using DashboardApp app = await DashboardApp.StartAsync();
        int pid = app.Processes.GetWorkers()[0].Id;

        using var request = new HttpRequestMessage(HttpMethod.Post, $"/spindle/api/pools/processes/workers/{pid}/kill");
        request.Headers.Add("Origin", origin);
        using HttpResponseMessage response = await app.Client.SendAsync(request).Within("the kill");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var worker = Process.GetProcessById(pid);
        Assert.False(worker.HasExited, "a cross-origin post killed a worker");
    }

    [Fact]
    public async Task Kill_NotAWorkerProcessOfThatPool_404_NothingKilled()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();
        int processWorker = app.Processes.GetWorkers()[0].Id;
        int threadWorker = app.Threads.GetWorkers()[0].Id;
        string[] paths =
        [
            $"/spindle/api/pools/threads/workers/{threadWorker}/kill",
            $"/spindle/api/pools/threads/workers/{processWorker}/kill",
            $"/spindle/api/pools/nope/workers/{processWorker}/kill",
            $"/spindle/api/pools/processes/workers/{Environment.ProcessId}/kill",
            "/spindle/api/pools/processes/workers/-5/kill",
            "/spindle/api/pools/processes/workers/not-a-pid/kill",
        ];

        foreach (string path in paths)
        {
            using HttpResponseMessage response = await app.Client.PostAsync(path, null).Within(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }

        Assert.Equal(2, app.Processes.GetWorkers().Count);
        using var worker = Process.GetProcessById(processWorker);
        Assert.False(worker.HasExited);
    }

    [Fact]
    public async Task ReadOnly_NoKillEndpoint_PageSaysSo()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(configure: o => o.ReadOnly = true);
        int pid = app.Processes.GetWorkers()[0].Id;

        using HttpResponseMessage kill = await app.Client.PostAsync($"/spindle/api/pools/processes/workers/{pid}/kill", null).Within("the kill");
        string page = await app.Client.GetStringAsync("/spindle/").Within("the page");

        Assert.True(kill.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{(int)kill.StatusCode}");
        Assert.Contains("data-read-only=\"true\"", page, StringComparison.Ordinal);
        using var worker = Process.GetProcessById(pid);
        Assert.False(worker.HasExited);
    }

    /// <summary>A pool's key as the page puts it in a URL (pools.js, poolSegment): encoded twice, dots too.</summary>
    private static string PageSegment(string key) => Uri.EscapeDataString(Uri.EscapeDataString(key).Replace(".", "%2E", StringComparison.Ordinal));

    private static async Task<HttpResponseMessage> PostKillAsync(DashboardApp app, string poolSegment, int pid)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/spindle/api/pools/{poolSegment}/workers/{pid}/kill");
        request.Headers.Add("Origin", $"http://{app.Address.Authority}");
        return await app.Client.SendAsync(request).Within($"the kill of {pid} in {poolSegment}");
    }
}
