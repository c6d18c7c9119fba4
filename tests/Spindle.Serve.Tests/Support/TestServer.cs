using System.Net.Http.Json;
using System.Text.Json;
using Spindle.Serve;
using Spindle.Serve.Jobs;
using Spindle.Tests.Support;

namespace Spindle.Serve.Tests.Support;

/// <summary>A real <see cref="SpindleServer"/> on 127.0.0.1 with a free port and two worker processes, and a client for it.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private TestServer(SpindleServer server)
    {
        Server = server;
        Client = new HttpClient { BaseAddress = server.Address, Timeout = Bounded.Unexpected };
    }

    public SpindleServer Server { get; }

    public HttpClient Client { get; }

    public static async Task<TestServer> StartAsync(IJobRenderer? renderer = null, Action<ServeOptions>? configure = null)
    {
        var options = new ServeOptions { Port = 0, Workers = 2 };
        configure?.Invoke(options);
        Task<SpindleServer> starting = renderer is null
            ? SpindleServer.StartAsync(options)
            : SpindleServer.StartAsync(options, renderer, CancellationToken.None);
        return new TestServer(await starting.Within("the server to start"));
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using HttpResponseMessage response = await Client.GetAsync(path).Within($"GET {path}");
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Posts a job and returns its id.</summary>
    public async Task<string> SubmitAsync(object job)
    {
        using HttpResponseMessage response = await Client.PostAsJsonAsync("/api/jobs", job).Within("POST /api/jobs");
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, $"POST /api/jobs: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>Posts <paramref name="body"/> as it is (perhaps not even JSON) to <c>/api/jobs</c>; returns the status and the error body.</summary>
    public async Task<(System.Net.HttpStatusCode Status, JsonElement Body)> PostRawJobAsync(string body, string contentType = "application/json")
    {
        using var content = new StringContent(body, System.Text.Encoding.UTF8, contentType);
        using HttpResponseMessage response = await Client.PostAsync("/api/jobs", content).Within("POST /api/jobs");
        string text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
    }

    /// <summary>Polls the job until it is done or failed (bounded), and returns it.</summary>
    public async Task<JsonElement> WaitForJobAsync(string id)
    {
        JsonElement job = default;
        await Poll.UntilAsync(
            async () =>
            {
                job = await GetJsonAsync($"/api/jobs/{id}");
                return job.GetProperty("state").GetString() is "done" or "failed";
            },
            $"job {id} to finish");
        return job;
    }

    /// <summary>The farm's pool as the Spindle dashboard mounted at /pools shows it.</summary>
    public async Task<JsonElement> PoolAsync() =>
        (await GetJsonAsync("/pools/api/status")).GetProperty("pools").EnumerateArray().Single();

    /// <summary>The pids of the farm's worker processes, as the pool dashboard lists them.</summary>
    public async Task<int[]> WorkerPidsAsync() =>
        (await PoolAsync()).GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("pid").GetInt32()).ToArray();

    /// <summary>Where the pool dashboard kills a worker process of the farm.</summary>
    public static string KillPath(object pid) => $"/pools/api/pools/spindle-serve/workers/{pid}/kill";

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync().AsTask().Within("the server to stop");
    }
}
