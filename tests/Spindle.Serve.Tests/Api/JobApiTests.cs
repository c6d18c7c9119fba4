using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spindle;
using Spindle.Pools;
using Spindle.Render;
using Spindle.Serve.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Api;

public sealed class JobApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Status_ListsEveryWorkerProcess_WithLiveFigures()
    {
        JsonElement status = await Server.GetJsonAsync("/api/status");

        JsonElement[] workers = (await Server.PoolAsync()).GetProperty("workers").EnumerateArray().ToArray();
        Assert.Equal(2, workers.Length);
        foreach (JsonElement worker in workers)
        {
            int pid = worker.GetProperty("pid").GetInt32();
            Assert.NotEqual(Environment.ProcessId, pid);
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            Assert.False(process.HasExited);
            Assert.Contains(worker.GetProperty("state").GetString(), new[] { "busy", "idle" });
            Assert.True(worker.GetProperty("rssBytes").GetInt64() > 1 << 20, "a .NET worker holds more than 1 MiB resident");
        }

        Assert.Equal(Environment.ProcessId, status.GetProperty("server").GetProperty("pid").GetInt32());
        Assert.True(status.GetProperty("queue").GetProperty("jobs").GetInt32() >= 0);
    }

    [Fact]
    public async Task PostJob_RendersToTheEnd_ResultIsTheFarmsAnimatedPng()
    {
        string id = await Server.SubmitAsync(new { frames = 3, width = 24, height = 16, scene = "mandelbrot" });

        JsonElement job = await Server.WaitForJobAsync(id);
        Assert.Equal("done", job.GetProperty("state").GetString());
        Assert.Equal(100, job.GetProperty("percent").GetDouble());
        Assert.Equal(3, job.GetProperty("framesDone").GetInt32());

        using HttpResponseMessage result = await Server.Client.GetAsync($"/api/jobs/{id}/result").Within("the result");
        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("image/apng", result.Content.Headers.ContentType?.MediaType);
        byte[] apng = await result.Content.ReadAsByteArrayAsync();
        Assert.Equal(3, Apng.FrameCount(apng));
        Assert.Equal("IEND", Apng.Chunks(apng)[^1]);

        // The same settings rendered directly on threads of this process give the very same bytes.
        await using var farm = new RenderFarm(new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = 1 });
        RenderResult direct = await farm.RenderAsync(new RenderSettings { Frames = 3, Width = 24, Height = 16, Scene = "mandelbrot" }).Within("a direct render");
        Assert.Equal(direct.Apng, apng);
    }

    [Fact]
    public async Task PostJobWithCrashFrame_WorkerSegfaults_JobSurvivesAndStatusCountsTheCrash()
    {
        int crashesBefore = (await Server.PoolAsync()).GetProperty("totals").GetProperty("crashes").GetInt32();

        string id = await Server.SubmitAsync(new { frames = 4, width = 16, height = 16, crashFrame = 2 });

        JsonElement job = await Server.WaitForJobAsync(id);
        Assert.Equal("done", job.GetProperty("state").GetString());
        Assert.Equal(1, job.GetProperty("crashesSurvived").GetInt32());
        JsonElement pool = await Server.PoolAsync();
        Assert.True(pool.GetProperty("totals").GetProperty("crashes").GetInt32() > crashesBefore);
        await Poll.UntilAsync(async () => (await Server.WorkerPidsAsync()).Length == 2, "the crashed worker to be replaced");
    }

    [Fact]
    public async Task Status_WhileRendering_ShowsWorkerCpuAndThroughput()
    {
        // Long enough (a few seconds) that the status monitor, sampling every 500 ms, sees the workers busy at least twice.
        string id = await Server.SubmitAsync(new { frames = 200, width = 240, height = 180, scene = "spheres" });

        // CPU % comes from /proc/<pid>/stat deltas between samples; throughput from frames finished between samples.
        bool sawCpu = false, sawThroughput = false;
        await Poll.UntilAsync(
            async () =>
            {
                JsonElement status = await Server.GetJsonAsync("/api/status");
                JsonElement pool = await Server.PoolAsync();
                sawCpu |= pool.GetProperty("workers").EnumerateArray().Any(w => w.GetProperty("cpuPercent").ValueKind == JsonValueKind.Number && w.GetProperty("cpuPercent").GetDouble() > 0);
                sawThroughput |= status.GetProperty("throughput").EnumerateArray().Any(p => p.GetProperty("perSecond").GetDouble() > 0);
                return sawCpu && sawThroughput;
            },
            "a worker shows CPU use and the throughput chart shows frames");
        Assert.Equal("done", (await Server.WaitForJobAsync(id)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task GetJobs_ListsSubmittedJobs_NewestFirst()
    {
        string first = await Server.SubmitAsync(new { frames = 1, width = 8, height = 8 });
        string second = await Server.SubmitAsync(new { frames = 1, width = 8, height = 8 });

        string[] ids = (await Server.GetJsonAsync("/api/jobs")).EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToArray();

        Assert.True(Array.IndexOf(ids, second) < Array.IndexOf(ids, first) && Array.IndexOf(ids, first) >= 0, string.Join(",", ids));
    }

    [Theory]
    [InlineData("{\"frames\":4,\"width\":", "")]
    [InlineData("not json at all", "")]
    [InlineData("{\"frames\":\"many\"}", "frames")]
    [InlineData("{\"frame\":4}", "frame")]
    [InlineData("null", "")]
    public async Task PostJob_MalformedJson_400WithMessage_ServerKeepsServing(string body, string field)
    {
        (HttpStatusCode status, JsonElement error) = await Server.PostRawJobAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("error").GetString()));
        if (field.Length > 0)
        {
            Assert.Equal(field, error.GetProperty("field").GetString());
        }

        await Server.GetJsonAsync("/api/status");
    }

    [Theory]
    [InlineData("{\"frames\":0}", "frames")]
    [InlineData("{\"frames\":100000}", "frames")]
    [InlineData("{\"width\":4}", "width")]
    [InlineData("{\"height\":5000}", "height")]
    [InlineData("{\"frames\":3,\"crashFrame\":3}", "crashFrame")]
    [InlineData("{\"scene\":\"teapot\"}", "scene")]
    [InlineData("{\"frames\":600,\"width\":1024,\"height\":1024}", "frames")]
    public async Task PostJob_OutOfRange_400NamingTheField(string body, string field)
    {
        (HttpStatusCode status, JsonElement error) = await Server.PostRawJobAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains(field, error.GetProperty("error").GetString(), StringComparison.Ordinal);
        await Server.GetJsonAsync("/api/status");
    }

    [Fact]
    public async Task PostJob_NotJson_415()
    {
        (HttpStatusCode status, JsonElement error) = await Server.PostRawJobAsync("frames=3", "text/plain");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("application/json", error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/jobs/424242")]
    [InlineData("/api/jobs/no-such-job")]
    [InlineData("/api/jobs/424242/result")]
    public async Task UnknownJob_404WithMessage(string path)
    {
        using HttpResponseMessage response = await Server.Client.GetAsync(path).Within($"GET {path}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        JsonElement error = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("No job with id", error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostFromAnotherOrigin_Refused403()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/jobs") { Content = JsonContent.Create(new { frames = 1 }) };
        request.Headers.Add("Origin", "http://evil.example");
        using HttpResponseMessage response = await Server.Client.SendAsync(request).Within("POST /api/jobs");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Events_StreamStatusEvents_AsJson()
    {
        List<JsonElement> snapshots = await ReadEventsAsync("/api/events", 3);

        Assert.All(snapshots, s => Assert.Equal(JsonValueKind.Array, s.GetProperty("jobs").ValueKind));
        Assert.True(snapshots[2].GetProperty("time").GetDateTimeOffset() > snapshots[1].GetProperty("time").GetDateTimeOffset());
    }

    [Fact]
    public async Task PoolEvents_StreamTheFarmsWorkers_AsJson()
    {
        List<JsonElement> snapshots = await ReadEventsAsync("/pools/api/events", 3);

        Assert.All(snapshots, s => Assert.Equal(2, s.GetProperty("pools").EnumerateArray().Single().GetProperty("workers").GetArrayLength()));
        Assert.True(snapshots[2].GetProperty("time").GetDateTimeOffset() > snapshots[1].GetProperty("time").GetDateTimeOffset());
    }

    private async Task<List<JsonElement>> ReadEventsAsync(string path, int count)
    {
        using var cancel = new CancellationTokenSource(Bounded.Unexpected);
        using HttpResponseMessage response = await Server.Client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));

        var snapshots = new List<JsonElement>();
        while (snapshots.Count < count)
        {
            string? line = await reader.ReadLineAsync(cancel.Token);
            Assert.NotNull(line);
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                snapshots.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
            }
        }

        return snapshots;
    }
}
