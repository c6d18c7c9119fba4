using System.Diagnostics;
using System.Net;
using System.Text.Json;
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
