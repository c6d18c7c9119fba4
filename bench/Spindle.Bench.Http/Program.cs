using System.Globalization;
using Spindle.Bench.Http;
using Spindle;
using Spindle.Processes;

// The bench starts itself again as the baseline server; the render farm's workers start it as a worker host.
WorkerHost.RunIfWorker();
if (args is [BaselineServer.ChildCommand])
{
    return await BaselineServer.RunAsync();
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

bool quick = args.Contains("--quick");
if (args.FirstOrDefault(a => a != "--quick") is { } unknown)
{
    Console.Error.WriteLine($"unknown argument '{unknown}'. Usage: Spindle.Bench.Http [--quick]");
    return 2;
}

int clients = 8;
int workers = Math.Min(2, Environment.ProcessorCount);
int getCount = quick ? 3_000 : 30_000;
int postCount = quick ? 500 : 3_000;     // spindle serve is started with room for all of them
int jobCount = quick ? 20 : 100;
TimeSpan limit = TimeSpan.FromSeconds(quick ? 5 : 15);
TimeSpan startTimeout = TimeSpan.FromSeconds(60);

Console.WriteLine($"spindle serve load check ({(quick ? "quick" : "default")} run): {clients} closed-loop clients on 127.0.0.1, {Environment.ProcessorCount} cores, {workers} render workers");
string self = typeof(BaselineServer).Assembly.Location;
string cli = Path.Combine(AppContext.BaseDirectory, "Spindle.Cli.dll");
await using ChildServer baseline = await ChildServer.StartAsync("the baseline server", startTimeout, self, BaselineServer.ChildCommand);
await using ChildServer spindle = await ChildServer.StartAsync("spindle serve", startTimeout, cli, "serve", "--port", "0", "--workers", workers.ToString(CultureInfo.InvariantCulture), "--max-queued-jobs", (postCount + 1_000).ToString(CultureInfo.InvariantCulture));
using var baseClient = new HttpClient { BaseAddress = baseline.Address, Timeout = TimeSpan.FromSeconds(30) };
using var spinClient = new HttpClient { BaseAddress = spindle.Address, Timeout = TimeSpan.FromSeconds(30) };

static async Task<bool> GetStatus(HttpClient http)
{
    using HttpResponseMessage r = await http.GetAsync("/pools/api/status");
    await r.Content.CopyToAsync(Stream.Null);
    return r.IsSuccessStatusCode;
}

static async Task<bool> PostTinyJob(HttpClient http)
{
    using var content = new StringContent(JobRoundTrip.TinyJson, System.Text.Encoding.UTF8, "application/json");
    using HttpResponseMessage r = await http.PostAsync("/api/jobs", content);
    await r.Content.CopyToAsync(Stream.Null);
    return r.StatusCode == System.Net.HttpStatusCode.Created;
}

var rows = new List<(string Section, LoadResult Spindle, LoadResult Baseline)>();

// Warm both servers and both clients (JIT, connections) without recording.
await ClosedLoop.RunAsync("warm-up", clients, 500, limit, GetStatus, baseClient);
await ClosedLoop.RunAsync("warm-up", clients, 500, limit, GetStatus, spinClient);

Console.WriteLine("[1] GET /pools/api/status ...");
LoadResult baseGet = await ClosedLoop.RunAsync("constant JSON, bare Kestrel", clients, getCount, limit, GetStatus, baseClient);
LoadResult spinGet = await ClosedLoop.RunAsync("GET /pools/api/status", clients, getCount, limit, GetStatus, spinClient);
rows.Add(("GET /pools/api/status (snapshot: pool, /proc RSS per worker)", spinGet, baseGet));

Console.WriteLine("[2] POST /api/jobs ...");
LoadResult basePost = await ClosedLoop.RunAsync("POST constant, bare Kestrel", clients, postCount, limit, PostTinyJob, baseClient);
LoadResult spinPost = await ClosedLoop.RunAsync("POST /api/jobs", clients, postCount, limit, PostTinyJob, spinClient);
rows.Add(($"POST /api/jobs, tiny job accepted ({postCount} jobs, parse + validate + queue)", spinPost, basePost));
await JobRoundTrip.DrainAsync(spinClient, TimeSpan.FromSeconds(300));

Console.WriteLine("[3] job round trip ...");
int jobClients = 1;   // one job at a time on both sides: the difference is HTTP, the job queue and polling
await ClosedLoop.RunAsync("warm-up", jobClients, 20, limit, JobRoundTrip.OverHttpAsync, spinClient);
LoadResult spinJob = await ClosedLoop.RunAsync("POST + poll until done", jobClients, jobCount, limit, JobRoundTrip.OverHttpAsync, spinClient);
LoadResult directJob = await JobRoundTrip.DirectAsync(workers, jobClients, jobCount, limit);
rows.Add(($"1-frame 8x8 job end to end, {jobClients} client: POST + GET every {JobRoundTrip.PollInterval.TotalMilliseconds:0} ms until done, vs RenderFarm.RenderAsync in-process", spinJob, directJob));

Console.WriteLine();
Console.WriteLine("| section | spindle serve req/s | p50 ms | p99 ms | baseline req/s | p50 ms | p99 ms | throughput ratio |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach ((string section, LoadResult s, LoadResult b) in rows)
{
    string failed = s.Failed + b.Failed > 0 ? $" ({s.Failed}+{b.Failed} failed)" : "";
    Console.WriteLine($"| {section}{failed} | {s.RequestsPerSecond:N0} | {s.P50Ms:0.00} | {s.P99Ms:0.00} | {b.RequestsPerSecond:N0} | {b.P50Ms:0.00} | {b.P99Ms:0.00} | {s.RequestsPerSecond / b.RequestsPerSecond:0.00}x |");
}

Console.WriteLine();
Console.WriteLine($"Requests per row: {string.Join(", ", rows.Select(r => $"{r.Spindle.Requests}/{r.Baseline.Requests}"))} (spindle/baseline); each row stops at its count or after {limit.TotalSeconds:0} s.");
return rows.Any(r => r.Spindle.Failed > 0 || r.Baseline.Failed > 0) ? 1 : 0;
