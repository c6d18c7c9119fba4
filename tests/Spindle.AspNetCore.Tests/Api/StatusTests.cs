using System.Text.Json;
using Spindle.AspNetCore.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.AspNetCore.Tests.Api;

/// <summary>The JSON status of a dashboard mounted in an app with a pool of threads and a pool of processes.</summary>
public sealed class StatusTests
{
    [Fact]
    public async Task Status_ListsBothPools_WithTheirRealWorkers()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();

        JsonElement status = await app.GetJsonAsync("/spindle/api/status");

        Assert.Equal(["threads", "processes"], status.GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("key").GetString()));
        Assert.Equal(Environment.ProcessId, status.GetProperty("app").GetProperty("pid").GetInt32());

        // Worker processes: live children of this test, the very pids the pool reports, with their own memory.
        JsonElement processes = await app.PoolAsync("processes");
        Assert.Equal("process", processes.GetProperty("isolation").GetString());
        Assert.Equal("running", processes.GetProperty("state").GetString());
        JsonElement[] processWorkers = [.. processes.GetProperty("workers").EnumerateArray()];
        int[] pids = [.. processWorkers.Select(w => w.GetProperty("pid").GetInt32())];
        Assert.Equal(app.Processes.GetWorkers().Select(w => w.Id).Order(), pids.Order());
        Assert.Equal(2, pids.Distinct().Count());
        foreach (JsonElement worker in processWorkers)
        {
            int pid = worker.GetProperty("pid").GetInt32();
            Assert.Equal(pid, worker.GetProperty("id").GetInt32());
            Assert.Equal(Environment.ProcessId, ProcFsParent.Of(pid));
            Assert.True(worker.GetProperty("rssBytes").GetInt64() > 1 << 20, "a .NET worker process holds more than 1 MiB resident");
        }

        // Worker threads: numbered, running in this very process, with no memory of their own.
        JsonElement threads = await app.PoolAsync("threads");
        Assert.Equal("thread", threads.GetProperty("isolation").GetString());
        JsonElement[] threadWorkers = [.. threads.GetProperty("workers").EnumerateArray()];
        Assert.Equal(app.Threads.GetWorkers().Select(w => w.Id).Order(), threadWorkers.Select(w => w.GetProperty("id").GetInt32()).Order());
        Assert.All(threadWorkers, w => Assert.Equal(Environment.ProcessId, w.GetProperty("pid").GetInt32()));
        Assert.All(threadWorkers, w => Assert.Equal(JsonValueKind.Null, w.GetProperty("rssBytes").ValueKind));
    }

    [Fact]
    public async Task Status_AfterCalls_CountsEveryCallOfEachPool()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 7).Select(i => app.Processes.RunAsync(() => i * 2))).Within("calls on the process pool");
        await Task.WhenAll(Enumerable.Range(0, 5).Select(i => app.Threads.RunAsync(() => i * 2))).Within("calls on the thread pool");

        JsonElement processes = await app.PoolAsync("processes");
        JsonElement threads = await app.PoolAsync("threads");
        Assert.Equal(7, processes.GetProperty("totals").GetProperty("callsDone").GetInt64());
        Assert.Equal(7, processes.GetProperty("workers").EnumerateArray().Sum(w => w.GetProperty("callsDone").GetInt32()));
        Assert.Equal(5, threads.GetProperty("totals").GetProperty("callsDone").GetInt64());
        Assert.Equal(0, processes.GetProperty("queuedCalls").GetInt32());
    }

    [Fact]
    public async Task Events_StreamSnapshotsOfBothPools_AndEndWhenTheAppStops()
    {
        await using DashboardApp app = await DashboardApp.StartAsync();
        using var cancel = new CancellationTokenSource(Bounded.Unexpected);
        using HttpResponseMessage response = await app.Client.GetAsync("/spindle/api/events", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        var snapshots = new List<JsonElement>();
        while (snapshots.Count < 3)
        {
            string? line = await reader.ReadLineAsync(cancel.Token);
            Assert.NotNull(line);
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                snapshots.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
            }
        }

        Assert.All(snapshots, s => Assert.Equal(2, s.GetProperty("pools").GetArrayLength()));
        Assert.True(snapshots[2].GetProperty("time").GetDateTimeOffset() > snapshots[1].GetProperty("time").GetDateTimeOffset());

        // Stopping the app ends the open stream instead of waiting for the page to close.
        await app.StopAsync().Within("the app to stop with an event stream open");
        while (await reader.ReadLineAsync(cancel.Token) is not null)
        {
        }
    }

    [Fact]
    public async Task Status_TwoPoolsOfOneName_GetDistinctKeys()
    {
        await using var again = new WorkerPool(new WorkerPoolOptions { Name = "threads", Isolation = Isolation.Thread, Workers = 1 });
        await using DashboardApp app = await DashboardApp.StartAsync(configure: options => options.Pools.Add(again));

        JsonElement status = await app.GetJsonAsync("/spindle/api/status");

        Assert.Equal(["threads", "processes", "threads-2"], status.GetProperty("pools").EnumerateArray().Select(p => p.GetProperty("key").GetString()));
        Assert.Equal("threads", status.GetProperty("pools")[2].GetProperty("name").GetString());
    }
}
