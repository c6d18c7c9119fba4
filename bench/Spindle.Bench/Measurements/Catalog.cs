using Spindle.Bench.Harness;

namespace Spindle.Bench.Measurements;

/// <summary>One numbered measurement: it measures Spindle and its baselines in the same run and returns table rows.</summary>
internal sealed record Measurement(int Number, string Title, Func<BenchSettings, PythonPeer, Task<IReadOnlyList<Row>>> RunAsync);

/// <summary>Every measurement, in the order they run and print.</summary>
internal static class Catalog
{
    public static readonly IReadOnlyList<Measurement> All =
    [
        new(1, "warm round trip (process)", WarmRoundTrip.RunAsync),
        new(2, "many tiny calls, no chunking", ManyCalls.RunAsync),
        new(3, "MapAsync throughput", MapThroughput.RunAsync),
        new(4, "thread isolation overhead", ThreadOverhead.RunAsync),
        new(5, "cold start", ColdStart.RunAsync),
        new(6, "64 MiB values: round trip, zero copy, peak memory", (s, p) => OperatingSystem.IsLinux() ? LargeValues.RunAsync(s, p) : throw new PlatformNotSupportedException("Shared memory needs Linux.")),
        new(7, "idle worker memory", IdleMemory.RunAsync),
        new(8, "crash recovery", CrashRecovery.RunAsync),
        new(11, "argument and result sizes: shared memory or the channel", SizeTable.RunAsync),
    ];
}
