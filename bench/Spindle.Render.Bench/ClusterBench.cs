using System.Diagnostics;
using System.Globalization;
using Spindle;
using System.Security.Cryptography;
using Spindle.Pools;
using Spindle.Render.Png;
using Spindle.Render.Scenes;

namespace Spindle.Render.Bench;

/// <summary>
/// <c>--cluster</c>: frames/s of the render farm through a cluster (real nats-server, real <c>spindle agent</c>s with
/// one worker each) against the local process pool, in the same run, rounds alternating. Rows with 1 and 2 agents, and
/// with 1 and 2 local workers, give the inputs of the scaling model in bench/README.md; a no-op call's round trip on
/// each side gives the broker hop.
/// </summary>
internal static class ClusterBench
{
    private const string Local1 = "process pool, 1 worker (baseline)";
    private const string Local2 = "process pool, 2 workers (baseline)";
    private const string Cluster1 = "cluster, 1 agent x 1 worker";
    private const string Cluster2 = "cluster, 2 agents x 1 worker";

    public static async Task<int> RunAsync(bool quick)
    {
        var settings = quick ? new RenderSettings { Frames = 16, Width = 320, Height = 180 } : new RenderSettings { Frames = 48 };
        int rounds = quick ? 2 : 3;
        int hops = quick ? 50 : 200;
        Console.WriteLine($"render farm cluster bench: {settings.Frames} frames of {settings.Scene} at {settings.Width}x{settings.Height} ({settings.FrameBytes:N0} bytes of RGBA each), {rounds} rounds{(quick ? " (quick)" : string.Empty)}");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}, load average {LoadAverage()} (nats-server, the agents and this client share it)");

        await using BenchCluster cluster = await BenchCluster.StartAsync(new Dictionary<string, int> { ["one"] = 1, ["two"] = 2 });
        var farms = new Dictionary<string, RenderFarm>
        {
            [Local1] = new(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1, WarmUp = true }),
            [Local2] = new(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2, WarmUp = true }),

            // Twice the agents' workers in flight, as `spindle render --cluster` keeps by default.
            [Cluster1] = new(cluster.PoolOptions("one", inFlight: 2), workersOnOtherMachines: true),
            [Cluster2] = new(cluster.PoolOptions("two", inFlight: 4), workersOnOtherMachines: true),
        };
        try
        {
            var rows = farms.Keys.ToDictionary(name => name, _ => new List<double>());
            string[]? expected = null;

            // Unrecorded rounds first, for at least WarmUp: agents fetch the build, every worker starts and warms its JIT
            // on real frames, and the young agents' and client's tiered compilation settles (it kept a core busy for
            // several seconds in a perf profile: a measured round would pay it as broker cost).
            TimeSpan warmUp = TimeSpan.FromSeconds(quick ? 4 : 12);
            var warming = System.Diagnostics.Stopwatch.StartNew();
            int warmRounds = 0;
            while (warmRounds == 0 || warming.Elapsed < warmUp)
            {
                foreach ((string name, RenderFarm farm) in farms)
                {
                    RenderResult result = await farm.RenderAsync(settings);
                    expected ??= [.. result.FrameHashes];
                    if (!result.FrameHashes.SequenceEqual(expected))
                    {
                        throw new InvalidOperationException($"{name} rendered different frames.");
                    }
                }

                warmRounds++;
            }

            Console.WriteLine(Invariant($"warm-up: {warmRounds} unrecorded rounds, {warming.Elapsed.TotalSeconds:0.0} s"));
            for (int round = 0; round < rounds; round++)
            {
                foreach ((string name, RenderFarm farm) in farms)
                {
                    RenderResult result = await farm.RenderAsync(settings);
                    expected ??= [.. result.FrameHashes];
                    if (!result.FrameHashes.SequenceEqual(expected))
                    {
                        throw new InvalidOperationException($"{name} rendered different frames.");
                    }

                    if (round >= 0)
                    {
                        rows[name].Add(result.Elapsed.TotalSeconds);
                    }
                }
            }

            (int frameBytes, double rebuild) = MeasureRebuild(settings);
            double localHop = await MedianRoundTripAsync(farms[Local1].Pool, hops);
            double clusterHop = await MedianRoundTripAsync(farms[Cluster1].Pool, hops);
            double local2 = Median(rows[Local2]);
            Console.WriteLine();
            Console.WriteLine("| what | median s [min - max] | frames/s | frames/s vs process pool, 2 workers |");
            Console.WriteLine("| --- | --- | --- | --- |");
            foreach ((string name, List<double> times) in rows)
            {
                double median = Median(times);
                Console.WriteLine(Invariant($"| {name} | {median:0.000} [{times.Min():0.000} - {times.Max():0.000}] | {settings.Frames / median:0.0} | {local2 / median:0.00}x |"));
            }

            double fps1 = settings.Frames / Median(rows[Local1]), fps2 = settings.Frames / local2;
            double cfps1 = settings.Frames / Median(rows[Cluster1]), cfps2 = settings.Frames / Median(rows[Cluster2]);
            double frame = 1 / fps1, perAgentFrame = 1 / cfps1;
            Console.WriteLine();
            Console.WriteLine(Invariant($"no-op call round trip (median of {hops}): process pool {localHop * 1e6:0} µs, cluster {clusterHop * 1e6:0} µs (the broker hop)"));
            Console.WriteLine(Invariant($"a frame through the broker: {frameBytes:N0} bytes of PNG image data; rebuilding its pixels and hashing them on the farm r = {rebuild * 1e3:0.00} ms"));
            Console.WriteLine(Invariant($"model inputs: frame time on one worker t = {frame * 1e3:0.0} ms; on one agent t + h = {perAgentFrame * 1e3:0.0} ms (h = {(perAgentFrame - frame) * 1e3:0.0} ms per frame)"));
            Console.WriteLine(Invariant($"1 -> 2 agents: {cfps1:0.0} -> {cfps2:0.0} frames/s ({cfps2 / cfps1:0.00}x; separate machines would give up to 2.00x); 1 -> 2 local workers: {fps1:0.0} -> {fps2:0.0} ({fps2 / fps1:0.00}x)"));
            Console.WriteLine(Invariant($"cluster 2 agents x 1 worker vs process pool 2 workers: {cfps2 / fps2:0.00}x (goal >= 0.8x)"));
            Console.WriteLine("Every row produced the same frame hashes. Each time covers rendering, PNG compression, the trip back and the APNG.");
            return 0;
        }
        finally
        {
            foreach (RenderFarm farm in farms.Values)
            {
                await farm.DisposeAsync();
            }
        }
    }

    /// <summary>A middle frame's PNG image data size, and the median time the farm takes to rebuild its pixels and hash them.</summary>
    private static (int Bytes, double Seconds) MeasureRebuild(RenderSettings settings)
    {
        byte[] deflated = ApngEncoder.CompressFrame(FrameRenderer.Render(settings.Scene, settings.Frames / 2, settings.Frames, settings.Width, settings.Height), settings.Width, settings.Height);
        var times = new List<double>();
        for (int i = -3; i < 21; i++)
        {
            long start = Stopwatch.GetTimestamp();
            SHA256.HashData(FrameInflater.Inflate(deflated, settings.Width, settings.Height));
            if (i >= 0)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }

        return (deflated.Length, Median(times));
    }

    /// <summary>Median seconds of a no-op call, one at a time, after a few unrecorded ones.</summary>
    private static async Task<double> MedianRoundTripAsync(WorkerPool pool, int count)
    {
        var times = new List<double>();
        for (int i = -10; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await pool.RunAsync(static x => x + 1, i);
            if (i >= 0)
            {
                times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
            }
        }

        return Median(times);
    }

    private static double Median(List<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
