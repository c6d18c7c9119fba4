using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Spindle.Cluster.Tests.Support;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Cluster;

/// <summary>
/// <c>spindle serve --cluster</c> as a user runs it: a real serve process, a real nats-server with JetStream and real
/// <c>spindle agent</c>s. Jobs survive a SIGKILL of the server; the pool dashboard lists the agents and drains or
/// kills them, behind its guards.
/// </summary>
public sealed class ServeClusterTests(NatsServer nats) : IClassFixture<NatsServer>
{
    /// <summary>A cluster of the test's own on the shared server.</summary>
    private readonly string _cluster = "s" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Serve_KilledWithAJobUnfinished_RestartedServeFinishesItAndServesTheAnimation()
    {
        string id;
        await using (ServeProcess first = await ServeProcess.StartAsync(nats, _cluster))
        {
            JsonElement status = await first.GetJsonAsync("/api/status");
            Assert.True(status.GetProperty("storage").GetProperty("durable").GetBoolean());
            Assert.Contains("JetStream", await first.Client.GetStringAsync("/").Within("the dashboard"), StringComparison.Ordinal);

            // No agent yet: the job starts, its frames wait in the stream, and it cannot finish before the server dies.
            Assert.Contains($"warning: no spindle agent serves cluster '{_cluster}'", first.Output, StringComparison.Ordinal);
            id = await first.SubmitAsync(new { frames = 4, width = 32, height = 24, scene = "spheres" });
            await first.WaitForJobAsync(id, j => j.GetProperty("state").GetString() == "running", "to start");
            await first.KillAsync();
        }

        await using ServeProcess second = await ServeProcess.StartAsync(nats, _cluster);
        JsonElement restored = await second.GetJsonAsync($"/api/jobs/{id}");
        Assert.Contains(restored.GetProperty("state").GetString(), new[] { "queued", "running" });

        // A job submitted now gets a new id: the restored ones keep theirs.
        string next = await second.SubmitAsync(new { frames = 1, width = 8, height = 8 });
        Assert.NotEqual(id, next);

        await using AgentProcess agent = await AgentProcess.StartAsync(nats, "render-1", _cluster, workers: 2);
        JsonElement done = await second.WaitForJobAsync(id, j => j.GetProperty("state").GetString() is "done" or "failed", "to finish");
        Assert.True(done.GetProperty("state").GetString() == "done", $"job {id}: {done}\nserve:\n{second.Output}\nagent:\n{agent.Output}");

        using HttpResponseMessage result = await second.Client.GetAsync($"/api/jobs/{id}/result").Within("the animation");
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("image/apng", result.Content.Headers.ContentType?.MediaType);
        byte[] apng = await result.Content.ReadAsByteArrayAsync();
        Assert.Equal(done.GetProperty("resultBytes").GetInt32(), apng.Length);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, apng[..4]);
        Assert.Equal(4, done.GetProperty("framesDone").GetInt32());

        // A second restart: the finished job and its animation come back from the store, not from memory.
        await second.KillAsync();
        await using ServeProcess third = await ServeProcess.StartAsync(nats, _cluster);
        JsonElement again = await third.GetJsonAsync($"/api/jobs/{id}");
        Assert.Equal("done", again.GetProperty("state").GetString());
        byte[] stored = await third.Client.GetByteArrayAsync($"/api/jobs/{id}/result").Within("the stored animation");
        Assert.Equal(apng, stored);
    }

    [Fact]
    public async Task Serve_KilledMidJob_RestartedServeRendersOnlyTheFramesItHadNotKept()
    {
        const int SigStop = 19;
        object request = new { frames = 60, width = 320, height = 240, scene = "spheres" };
        string id;
        int doneBeforeTheKill;
        await using (AgentProcess slow = await AgentProcess.StartAsync(nats, "before-1", _cluster, workers: 1))
        {
            await using ServeProcess first = await ServeProcess.StartAsync(nats, _cluster);
            id = await first.SubmitAsync(request);
            await first.WaitForJobAsync(id, j => j.GetProperty("framesDone").GetInt32() >= 3 || j.GetProperty("state").GetString() is "done" or "failed", "to have rendered 3 frames");

            // The agent freezes (no more frames), then the server dies: a frame reported done was kept before it was reported.
            slow.Signal(SigStop);
            JsonElement cut = await first.GetJsonAsync($"/api/jobs/{id}");
            Assert.True(cut.GetProperty("state").GetString() == "running", $"The job was not mid-way when the server was killed: {cut}");
            doneBeforeTheKill = cut.GetProperty("framesDone").GetInt32();
            await first.KillAsync();
        }

        await using ServeProcess second = await ServeProcess.StartAsync(nats, _cluster);

        // No agent serves the cluster yet: the frames the job has now came from the store, not from a worker.
        JsonElement restored = await second.WaitForJobAsync(id, j => j.GetProperty("framesDone").GetInt32() >= doneBeforeTheKill, $"to take up the {doneBeforeTheKill} frames it kept");
        Assert.Equal("running", restored.GetProperty("state").GetString());
        Assert.Equal(restored.GetProperty("framesDone").GetInt32(), restored.GetProperty("framesResumed").GetInt32());

        // Taken up, not rendered: this server's farm has rendered nothing yet, and its frames/s says so.
        Assert.Equal(0, (await second.GetJsonAsync("/api/status")).GetProperty("totals").GetProperty("framesRendered").GetInt64());
        Assert.True(restored.GetProperty("framesDone").GetInt32() < 60, $"All frames were kept, so nothing was left to resume: {restored}");

        await using AgentProcess agent = await AgentProcess.StartAsync(nats, "after-1", _cluster, workers: 2);
        JsonElement done = await second.WaitForJobAsync(id, j => j.GetProperty("state").GetString() is "done" or "failed", "to finish");
        Assert.True(done.GetProperty("state").GetString() == "done", $"job {id}: {done}\nserve:\n{second.Output}\nagent:\n{agent.Output}");
        int resumed = done.GetProperty("framesResumed").GetInt32();
        Assert.InRange(resumed, doneBeforeTheKill, 59);
        Assert.Equal(60 - resumed, done.GetProperty("framesPerWorker").EnumerateObject().Sum(w => w.Value.GetInt32()));

        // The same animation as a render in one go, byte for byte.
        byte[] resumedApng = await second.Client.GetByteArrayAsync($"/api/jobs/{id}/result").Within("the resumed job's animation");
        string fresh = await second.SubmitAsync(request);
        JsonElement freshDone = await second.WaitForJobAsync(fresh, j => j.GetProperty("state").GetString() is "done" or "failed", "to finish");
        Assert.Equal("done", freshDone.GetProperty("state").GetString());
        Assert.Equal(0, freshDone.GetProperty("framesResumed").GetInt32());
        byte[] freshApng = await second.Client.GetByteArrayAsync($"/api/jobs/{fresh}/result").Within("the fresh job's animation");
        Assert.Equal(freshApng, resumedApng);

        // Both jobs are over: none of their frames is left in the frames bucket.
        await using var connection = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with
        {
            Url = nats.Url,
            AuthOpts = NATS.Client.Core.NatsAuthOpts.Default with { Username = nats.User, Password = nats.Password },
        });
        var objects = new NATS.Client.ObjectStore.NatsObjContext(new NATS.Client.JetStream.NatsJSContext(connection));
        NATS.Client.ObjectStore.INatsObjStore frames = await objects.GetObjectStoreAsync($"spindle_{_cluster}_serve_frames");
        foreach (string job in new[] { id, fresh })
        {
            for (int index = 0; index < 60; index++)
            {
                await Assert.ThrowsAsync<NATS.Client.ObjectStore.NatsObjNotFoundException>(() => frames.GetInfoAsync($"{job}.{index}").AsTask());
            }
        }
    }

    [Fact]
    public async Task PoolDashboard_ClusterPool_ListsEachAgentWithItsWorkersAndFigures()
    {
        await using ServeProcess serve = await ServeProcess.StartAsync(nats, _cluster);
        await using AgentProcess agent = await AgentProcess.StartAsync(nats, "figures-1", _cluster, workers: 2);

        // A planned crash: the agent's worker rendering frame 1 segfaults once, and the agent counts it. Calls done are its
        // workers' (a worker that dies before a heartbeat takes the calls it finished since the last one with it: 5 of 6).
        string id = await serve.SubmitAsync(new { frames = 6, width = 32, height = 24, crashFrame = 1 });
        JsonElement job = await serve.WaitForJobAsync(id, j => j.GetProperty("state").GetString() is "done" or "failed", "to finish");
        Assert.True(job.GetProperty("state").GetString() == "done", $"job {id}: {job}\nagent:\n{agent.Output}");

        JsonElement listed = await serve.AgentAsync(agent.Name, a => a.GetProperty("callsDone").GetInt64() >= 5 && a.GetProperty("crashes").GetInt32() >= 1
            && a.GetProperty("cpuPercent").ValueKind == JsonValueKind.Number && a.GetProperty("busy").GetInt32() == 0,
            "with its calls, its crash, its CPU, and idle (a heartbeat after the last frame)");
        Assert.Equal(Environment.MachineName, listed.GetProperty("host").GetString());
        Assert.Equal(Environment.ProcessorCount, listed.GetProperty("cores").GetInt32());
        Assert.Equal(2, listed.GetProperty("workers").GetInt32());
        Assert.Equal(0, listed.GetProperty("busy").GetInt32());
        Assert.Equal(1, listed.GetProperty("crashes").GetInt32());
        Assert.True(listed.GetProperty("rssBytes").GetInt64() > 0);
        TimeSpan age = DateTimeOffset.UtcNow - listed.GetProperty("heartbeat").GetDateTimeOffset();
        Assert.True(age < Bounded.Unexpected, $"last heartbeat {age} ago");

        // Its worker processes are real processes of this machine, listed with their own figures.
        JsonElement[] workers = [.. listed.GetProperty("workerProcesses").EnumerateArray()];
        Assert.NotEmpty(workers);
        foreach (JsonElement worker in workers)
        {
            using Process process = Process.GetProcessById(worker.GetProperty("pid").GetInt32());
            Assert.False(process.HasExited);
            Assert.True(worker.GetProperty("rssBytes").GetInt64() > 0);
        }

        // The pool's own "workers" are slots for calls in flight on agents: no pid of this machine, and none to kill.
        JsonElement pool = await serve.PoolAsync();
        Assert.All(pool.GetProperty("workers").EnumerateArray(), w => Assert.Equal(JsonValueKind.Null, w.GetProperty("pid").ValueKind));
        int slot = pool.GetProperty("workers")[0].GetProperty("id").GetInt32();
        using HttpResponseMessage killSlot = await serve.Client.PostAsync($"/pools/api/pools/spindle-serve/workers/{slot}/kill", null).Within("POST kill of a slot");
        Assert.Equal(HttpStatusCode.NotFound, killSlot.StatusCode);
        Assert.Contains("drain or kill an agent", await killSlot.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        // The page carries the agents' view (drawn by pools.js from the same JSON).
        string page = await serve.Client.GetStringAsync("/pools/").Within("the pool page");
        Assert.Contains("pools.js", page, StringComparison.Ordinal);
        string script = await serve.Client.GetStringAsync("/pools/assets/pools.js").Within("pools.js");
        Assert.Contains("'/agents/'", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoolDashboard_Drain_AgentFinishesAndExitsZero_LeavesTheList()
    {
        await using ServeProcess serve = await ServeProcess.StartAsync(nats, _cluster);
        await using AgentProcess agent = await AgentProcess.StartAsync(nats, "drained-1", _cluster, workers: 1);
        await serve.AgentAsync(agent.Name, _ => true, "at all");

        using HttpResponseMessage response = await serve.Client.PostAsync($"/pools/api/pools/spindle-serve/agents/{agent.Name}/drain", null).Within("POST drain");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        Assert.Equal(0, await agent.Exited.Within("the drained agent to exit"));
        Assert.Contains("drain ordered", agent.Output, StringComparison.Ordinal);
        await Poll.UntilAsync(async () => !(await serve.PoolAsync()).GetProperty("agents").GetProperty("list").EnumerateArray().Any(), "the drained agent to leave the list");

        // It is gone: a second order finds no one.
        using HttpResponseMessage again = await serve.Client.PostAsync($"/pools/api/pools/spindle-serve/agents/{agent.Name}/drain", null).Within("POST drain again");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task PoolDashboard_Kill_AgentDiesWithItsWorkers_ItsFramesAreRenderedByAnother()
    {
        await using ServeProcess serve = await ServeProcess.StartAsync(nats, _cluster, workers: 1);
        await using AgentProcess victim = await AgentProcess.StartAsync(nats, "killed-1", _cluster, workers: 1);

        // Its worker is rendering frames of a job when the kill comes: the kill follows the first frame at once (no
        // wait for a heartbeat), and the agent's worker processes are read from /proc as its children.
        // Enough work that the job is still going when the kill lands: a hundred frames of 128x96 took a second on an
        // idle machine, and all were done by the victim's worker as the kill came.
        string id = await serve.SubmitAsync(new { frames = 600, width = 160, height = 120 });
        await serve.WaitForJobAsync(id, j => j.GetProperty("framesDone").GetInt32() >= 1, "to have rendered a frame");
        Process[] workers = [.. Children(victim.ProcessId).Select(Process.GetProcessById)];
        Assert.NotEmpty(workers);
        using HttpResponseMessage response = await serve.Client.PostAsync($"/pools/api/pools/spindle-serve/agents/{victim.Name}/kill", null).Within("POST kill");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(128 + 9, await victim.Exited.Within("the killed agent to die"));
        foreach (Process worker in workers)
        {
            await worker.WaitForExitAsync().Within("its worker processes to die with it");
        }

        // The rest of the job, and a frame it held if the kill caught one (a crash after the pool's silence timeout,
        // retried), are rendered by another agent.
        await using AgentProcess rescuer = await AgentProcess.StartAsync(nats, "rescuer-1", _cluster, workers: 2);
        JsonElement done = await serve.WaitForJobAsync(id, j => j.GetProperty("state").GetString() is "done" or "failed", "to finish on the other agent");
        Assert.True(done.GetProperty("state").GetString() == "done", $"job {id}: {done}\nserve:\n{serve.Output}");
        string[] renderers = [.. done.GetProperty("framesPerWorker").EnumerateObject().Select(w => w.Name)];
        Assert.Contains(renderers, r => workers.Any(w => w.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) == r));
        Assert.True(renderers.Length >= 2, $"job {id}: only the killed agent's worker rendered: {done}");
        foreach (Process worker in workers)
        {
            worker.Dispose();
        }
    }

    /// <summary>The child processes of <paramref name="pid"/> (every thread's /proc children list).</summary>
    private static int[] Children(int pid) =>
        [.. Directory.GetDirectories($"/proc/{pid}/task")
            .SelectMany(task => File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(child => int.Parse(child, System.Globalization.CultureInfo.InvariantCulture))
            .Distinct()];

    [Fact]
    public async Task PoolDashboard_AgentOrders_RefuseCrossOriginPostsAndForeignHosts()
    {
        await using ServeProcess serve = await ServeProcess.StartAsync(nats, _cluster);
        await using AgentProcess agent = await AgentProcess.StartAsync(nats, "guarded-1", _cluster, workers: 1);
        await serve.AgentAsync(agent.Name, _ => true, "at all");

        foreach (string order in new[] { "drain", "kill" })
        {
            using var crossOrigin = new HttpRequestMessage(HttpMethod.Post, $"/pools/api/pools/spindle-serve/agents/{agent.Name}/{order}");
            crossOrigin.Headers.Add("Origin", "http://evil.example");
            using HttpResponseMessage refused = await serve.Client.SendAsync(crossOrigin).Within($"cross-origin POST {order}");
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

            using var foreignHost = new HttpRequestMessage(HttpMethod.Post, $"/pools/api/pools/spindle-serve/agents/{agent.Name}/{order}");
            foreignHost.Headers.Host = $"evil.example:{serve.Client.BaseAddress!.Port}";
            using HttpResponseMessage badHost = await serve.Client.SendAsync(foreignHost).Within($"foreign-host POST {order}");
            Assert.Equal(HttpStatusCode.BadRequest, badHost.StatusCode);
        }

        // Still serving: a same-origin page's order is taken (the browser sends the server's own origin).
        Assert.False(agent.Exited.IsCompleted, agent.Output);
        await serve.AgentAsync(agent.Name, _ => true, "still");
        using var sameOrigin = new HttpRequestMessage(HttpMethod.Post, $"/pools/api/pools/spindle-serve/agents/{agent.Name}/drain");
        sameOrigin.Headers.Add("Origin", serve.Client.BaseAddress!.GetLeftPart(UriPartial.Authority));
        using HttpResponseMessage taken = await serve.Client.SendAsync(sameOrigin).Within("same-origin POST drain");
        Assert.Equal(HttpStatusCode.Accepted, taken.StatusCode);
        Assert.Equal(0, await agent.Exited.Within("the drained agent to exit"));
    }
}
