using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Spindle;
using Spindle.Pools;
using Spindle.Render;
using Spindle.Render.Bench;
using Spindle.Render.Png;
using Spindle.Render.Scenes;

// The render farm against the same frames rendered without Spindle, in the same run: one thread (serial), and
// Parallel.For over the frames in this process (all cores, no isolation). Rounds alternate so drift hits all rows.
// --cluster measures the farm on a cluster's agents against the local process pool instead (ClusterBench).
bool quick = args.Contains("--quick");
if (args.Contains("--cluster"))
{
    return await ClusterBench.RunAsync(quick);
}

var settings = quick ? new RenderSettings { Frames = 16, Width = 320, Height = 180 } : new RenderSettings { Frames = 48 };
int rounds = quick ? 2 : 3;
int workers = Environment.ProcessorCount;
Console.WriteLine($"render farm bench: {settings.Frames} frames of {settings.Scene} at {settings.Width}x{settings.Height}, {workers} workers, {rounds} rounds{(quick ? " (quick)" : string.Empty)}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()}");

await using var processes = new RenderFarm(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = workers, WarmUp = true });
await using var threads = new RenderFarm(new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = workers });
await processes.Pool.WarmUpAsync();

string[] expected = Serial().Hashes;
var rows = new Dictionary<string, List<double>>();

// One unrecorded round first: every worker's JIT warms up on real frames.
for (int round = -1; round < rounds; round++)
{
    Record("serial, 1 thread (baseline)", round, () => Serial());
    Record("Parallel.For, this process (baseline)", round, () => InParallel());
    Record("RenderFarm, thread isolation", round, () => Farm(threads, settings));
    Record("RenderFarm, process isolation", round, () => Farm(processes, settings));
    Record("RenderFarm, process isolation, 1 segfault", round, () => Farm(processes, settings with { CrashFrame = settings.Frames / 2 }));
}

double serial = Median("serial, 1 thread (baseline)");
double parallel = Median("Parallel.For, this process (baseline)");
Console.WriteLine();
Console.WriteLine($"| what | median s [min - max] | frames/s | speed-up over serial | time vs Parallel.For |");
Console.WriteLine($"| --- | --- | --- | --- | --- |");
foreach ((string name, List<double> times) in rows)
{
    double median = Median(name);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {name} | {median:0.000} [{times.Min():0.000} - {times.Max():0.000}] | {settings.Frames / median:0.0} | {serial / median:0.00}x | {median / parallel:0.00}x |"));
}

Console.WriteLine();
Console.WriteLine("Every row produced the same frame hashes. Each time covers rendering, PNG compression and the APNG.");
return 0;

void Record(string name, int round, Func<(string[] Hashes, double Seconds)> run)
{
    (string[] hashes, double seconds) = run();
    if (!hashes.SequenceEqual(expected))
    {
        throw new InvalidOperationException($"{name} rendered different frames.");
    }

    if (round >= 0)
    {
        (rows.TryGetValue(name, out List<double>? list) ? list : rows[name] = []).Add(seconds);
    }
}

double Median(string name)
{
    double[] sorted = [.. rows[name].Order()];
    return sorted[sorted.Length / 2];
}

(string[] Hashes, double Seconds) Serial()
{
    var clock = Stopwatch.StartNew();
    var deflated = new byte[settings.Frames][];
    var hashes = new string[settings.Frames];
    for (int i = 0; i < settings.Frames; i++)
    {
        (hashes[i], deflated[i]) = RenderOne(i);
    }

    ApngEncoder.Assemble(deflated, settings.Width, settings.Height, settings.FramesPerSecond);
    return (hashes, clock.Elapsed.TotalSeconds);
}

(string[] Hashes, double Seconds) InParallel()
{
    var clock = Stopwatch.StartNew();
    var deflated = new byte[settings.Frames][];
    var hashes = new string[settings.Frames];
    Parallel.For(0, settings.Frames, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => (hashes[i], deflated[i]) = RenderOne(i));
    ApngEncoder.Assemble(deflated, settings.Width, settings.Height, settings.FramesPerSecond);
    return (hashes, clock.Elapsed.TotalSeconds);
}

(string Hash, byte[] Deflated) RenderOne(int index)
{
    byte[] rgba = FrameRenderer.Render(settings.Scene, index, settings.Frames, settings.Width, settings.Height);
    return (Convert.ToHexStringLower(SHA256.HashData(rgba)), ApngEncoder.CompressFrame(rgba, settings.Width, settings.Height));
}

static (string[] Hashes, double Seconds) Farm(RenderFarm farm, RenderSettings settings)
{
    RenderResult result = farm.RenderAsync(settings).GetAwaiter().GetResult();
    return ([.. result.FrameHashes], result.Elapsed.TotalSeconds);
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
