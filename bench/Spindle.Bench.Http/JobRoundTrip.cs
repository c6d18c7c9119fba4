using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Spindle;
using Spindle.Pools;
using Spindle.Render;

namespace Spindle.Bench.Http;

/// <summary>
/// A tiny job end to end: through HTTP (POST, then GET the job every <see cref="PollInterval"/> until done), against
/// the same job given straight to a <see cref="RenderFarm"/> in this process with the same number of worker processes.
/// </summary>
internal static class JobRoundTrip
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(2);

    public static readonly RenderSettings Tiny = new() { Frames = 1, Width = 8, Height = 8 };

    public static string TinyJson => """{"frames":1,"width":8,"height":8}""";

    public static async Task<bool> OverHttpAsync(HttpClient http)
    {
        using var content = new StringContent(TinyJson, System.Text.Encoding.UTF8, "application/json");
        using HttpResponseMessage posted = await http.PostAsync("/api/jobs", content);
        if (!posted.IsSuccessStatusCode)
        {
            return false;
        }

        string id = (await posted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        while (true)
        {
            JsonElement job = await http.GetFromJsonAsync<JsonElement>($"/api/jobs/{id}");
            switch (job.GetProperty("state").GetString())
            {
                case "done":
                    return true;
                case "failed":
                    return false;
            }

            await Task.Delay(PollInterval);
        }
    }

    public static async Task<LoadResult> DirectAsync(int workers, int clients, int count, TimeSpan timeLimit)
    {
        await using var farm = new RenderFarm(new WorkerPoolOptions { Workers = workers, IdleTimeout = Timeout.InfiniteTimeSpan });
        await farm.Pool.WarmUpAsync();
        for (int i = 0; i < 20; i++)
        {
            await farm.RenderAsync(Tiny);
        }

        using var unused = new HttpClient();
        return await ClosedLoop.RunAsync("RenderFarm.RenderAsync, same process", clients, count, timeLimit, async _ =>
        {
            await farm.RenderAsync(Tiny);
            return true;
        }, unused);
    }

    /// <summary>Waits until spindle serve has no job queued or running, so one section's backlog is not billed to the next.</summary>
    public static async Task DrainAsync(HttpClient http, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            JsonElement status = await http.GetFromJsonAsync<JsonElement>("/api/status");
            bool busy = status.GetProperty("queue").GetProperty("jobs").GetInt32() > 0
                || status.GetProperty("jobs").EnumerateArray().Any(j => j.GetProperty("state").GetString() is "queued" or "running");
            if (!busy)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"spindle serve still had jobs after {timeout.TotalSeconds} s");
    }
}
