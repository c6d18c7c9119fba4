using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Spindle.Bench.Cluster.Measurements;
using Spindle.Bench.Cluster.Setup;

// The cluster benchmark: its own nats-server (loopback, free port, temporary store), its own `spindle agent`s, and in
// the same run each baseline: a raw NATS request-reply between two processes, Dask distributed and Celery. All of it
// is stopped at the end, with bounded waits.

// The bench starts itself again as the raw request-reply responder.
if (args is [NatsEcho.ChildCommand, string url, string subject, .. var flags])
{
    return await NatsEcho.ServeAsync(url, subject, flags is [string mode] ? mode : null);
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

ClusterSettings settings;
try
{
    settings = ClusterSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(ClusterSettings.Usage);
    return 2;
}

DateTimeOffset startedAt = DateTimeOffset.UtcNow;
string loadAtStart = LoadAverage();
var total = Stopwatch.StartNew();
PythonPeers peers = await PythonPeers.FindAsync();
await using NatsServerProcess server = await NatsServerProcess.StartAsync();
var cluster = new BenchCluster(server, settings, peers);
if (peers.CeleryProblem is null)
{
    (cluster.Redis, cluster.RedisProblem) = await RedisServer.TryStartAsync();
}

Console.WriteLine($"Spindle cluster bench, {settings.Mode} run; {server.Version} at {server.Url}; load average {loadAtStart}");
var rows = new List<Row>();
try
{
    await Run(1, "round trip", () => RoundTrip.RunAsync(cluster));
    if (settings.Includes(2) || settings.Includes(3))
    {
        await using AgentPair agents = await AgentPair.StartAsync(cluster);
        await Run(2, "tiny-call throughput", () => Throughput.RunAsync(cluster, agents));
        await Run(3, "MapAsync", () => MapThroughput.RunAsync(cluster, agents));
    }
}
finally
{
    if (cluster.Redis is { } redis)
    {
        await redis.DisposeAsync();
    }
}

var report = new Report(
[
    ("Machine", $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}"),
    ("Server", $"{server.Version}, JetStream, file storage, loopback"),
    ("Python peers", peers.DaskVersion is { } dask ? $"/usr/bin/python3, dask distributed {dask}" : peers.DaskProblem ?? "-"),
    ("Run", $"{startedAt:yyyy-MM-dd HH:mm} UTC, mode {settings.Mode}, {total.Elapsed.TotalSeconds:0} s"),
    ("Load average", $"{loadAtStart} at the start, {LoadAverage()} at the end"),
], $"dotnet run -c Release --project bench/Spindle.Bench.Cluster{settings.CommandLineSuffix}");
report.Add(rows);
Console.WriteLine();
Console.WriteLine(report.ToConsole());
Console.WriteLine();
Console.WriteLine(report.ToMarkdown());
return 0;

async Task Run(int number, string title, Func<Task<IReadOnlyList<Row>>> measure)
{
    if (!settings.Includes(number))
    {
        return;
    }

    Console.Write($"[{number}] {title} ... ");
    var watch = Stopwatch.StartNew();
    IReadOnlyList<Row> measured;
    try
    {
        measured = await measure().WaitAsync(settings.MeasurementTimeout);
    }
    catch (Exception e)
    {
        measured = [Row.Failed(number.ToString(CultureInfo.InvariantCulture), title, e)];
    }

    Console.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s");
    foreach (Row row in measured)
    {
        Console.WriteLine($"    {row.Id}: {row.SpindleCell} vs {row.BaselineCell} -> {row.Ratio} ({row.Result})");
    }

    rows.AddRange(measured);
}

static string LoadAverage()
{
    try
    {
        return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "?";
    }
}
