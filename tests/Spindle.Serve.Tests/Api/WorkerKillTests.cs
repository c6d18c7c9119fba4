using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Spindle.Serve.Jobs;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Api;

public sealed class WorkerKillTests
{
    [Fact]
    public async Task KillWorker_RealProcessDies_PoolStartsANewOne_StatusCountsIt()
    {
        await using TestServer server = await TestServer.StartAsync();
        int[] before = await server.WorkerPidsAsync();
        int victim = before[0];
        using var process = Process.GetProcessById(victim);

        using HttpResponseMessage response = await server.Client.PostAsync(TestServer.KillPath(victim), null).Within("the kill");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await process.WaitForExitAsync().Within("the worker process to die");
        await Poll.UntilAsync(
            async () =>
            {
                int[] now = await server.WorkerPidsAsync();
                return now.Length == 2 && !now.Contains(victim);
            },
            "a new worker to replace the killed one");
        JsonElement status = await server.PoolAsync();
        JsonElement totals = status.GetProperty("totals");
        Assert.Equal(1, totals.GetProperty("crashes").GetInt32());
        Assert.Equal(1, totals.GetProperty("restarts").GetInt32());
        JsonElement replacement = status.GetProperty("workers").EnumerateArray().Single(w => !before.Contains(w.GetProperty("pid").GetInt32()));
        Assert.Equal(1, replacement.GetProperty("crashes").GetInt32());
        Assert.Equal(1, replacement.GetProperty("restarts").GetInt32());

        // The farm still renders after losing a worker.
        string id = await server.SubmitAsync(new { frames = 2, width = 8, height = 8 });
        Assert.Equal("done", (await server.WaitForJobAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task KillWorker_MoreOftenThanMaxRestarts_FaultsThePool_NextJobRendersOnANewPool()
    {
        const int maxRestarts = 2;
        await using TestServer server = await TestServer.StartAsync(new FarmJobRenderer(workers: 2, maxRestarts: maxRestarts));

        // One kill more than the pool may restart: each a real worker process, killed the way the dashboard's button does.
        var killed = new List<int>();
        for (int kill = 0; kill <= maxRestarts; kill++)
        {
            int victim = 0;
            await Poll.UntilAsync(async () => (victim = (await server.WorkerPidsAsync()).Except(killed).FirstOrDefault()) != 0, "a live worker to kill");
            killed.Add(victim);
            using var process = Process.GetProcessById(victim);
            using HttpResponseMessage response = await server.Client.PostAsync(TestServer.KillPath(victim), null).Within("the kill");
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            await process.WaitForExitAsync().Within("the worker process to die");
        }

        await Poll.UntilAsync(async () => (await server.PoolAsync()).GetProperty("state").GetString() == "faulted", "the pool to fault");

        string id = await server.SubmitAsync(new { frames = 2, width = 8, height = 8 });
        JsonElement job = await server.WaitForJobAsync(id);

        Assert.True(job.GetProperty("state").GetString() == "done", job.ToString());

        // The dashboard looks for the farm's pool anew about twice a second: it shows the new one, under the same key.
        await Poll.UntilAsync(async () => (await server.PoolAsync()).GetProperty("state").GetString() == "running", "the dashboard to show the new pool");
        Assert.Equal("spindle-serve", (await server.PoolAsync()).GetProperty("key").GetString());
    }

    [Fact]
    public async Task KillWorker_NotAWorkerOfThisPool_404_AndNothingIsKilled()
    {
        await using TestServer server = await TestServer.StartAsync();
        int[] workers = await server.WorkerPidsAsync();

        foreach (string pid in new[] { "1", "not-a-pid", "-5", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        {
            using HttpResponseMessage response = await server.Client.PostAsync(TestServer.KillPath(pid), null).Within("the kill");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.Equal(workers, await server.WorkerPidsAsync());
    }
}
