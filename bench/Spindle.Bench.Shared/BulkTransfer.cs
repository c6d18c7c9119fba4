using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using Spindle.Shared;
using Spindle.Sync;
using Spindle;

namespace Spindle.Bench.Shared;

/// <summary>
/// Streams blocks from this process to a worker process through a <see cref="BlockRing"/> in a SharedArray: the
/// producer writes each block into the shared array (one copy, as the data starts in private memory) and the consumer
/// reads it in place (a vectorised checksum of every byte, verified against the producer's), every block handed over
/// on its own, against one thread copying the same bytes buffer to buffer (memcpy of the same block size), and
/// Python's multiprocessing.shared_memory doing the same work. Extra row: copying each block in and out again
/// (double-buffered, a semaphore hand-off per block), the measurement this bench used to make.
/// </summary>
internal static class BulkTransfer
{
    /// <summary>The ring holds at least this many bytes (and at least 2 blocks): small enough to stay in the caches.</summary>
    public const int RingBytes = 256 << 10;

    public static async Task RunAsync(bool quick, PythonPeer python)
    {
        int[] sizes = quick ? [64, 64 << 10, 16 << 20] : [64, 1 << 10, 16 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20];
        long total = quick ? 64L << 20 : 512L << 20;
        int repetitions = quick ? 1 : 3;
        double streaming = Memcpy(64 << 20, quick ? 4 : 16);
        Console.WriteLine($"SharedArray bulk transfer between processes vs single-thread memcpy (about {total >> 20} MiB per size, median of {repetitions})");
        Console.WriteLine($"  ring: producer writes each block into the shared array, consumer checksums it in place; ring >= {RingBytes >> 10} KiB and >= 2 blocks");
        Console.WriteLine($"  memcpy: one thread copying a block of the same size over and over; memcpy of 64 MiB (out of cache): {Rate(streaming)}");
        // The goal is half of memcpy's bandwidth: what a copy sustains out of the caches (the 64 MiB copy). The same-size
        // column is stricter: a small copy stays in one core's cache, which no transfer to another core can.
        Console.WriteLine($"  {"size",8}  {"ring",10}  {"memcpy",10}  {"ratio",6}  {"vs 64MiB",8}  {"goal",5}  {"copy+copy",10}  {"ratio",6}  {"Python",10}  {"vs Py",6}");
        foreach (int size in sizes)
        {
            long blocks = Math.Clamp(total / size, 32, quick ? 1_000_000 : 8_000_000);
            var ring = new List<double>();
            var copies = new List<double>();
            var copy = new List<double>();
            for (int r = 0; r < repetitions; r++)
            {
                ring.Add(await RingAsync(size, blocks));
                copies.Add(await CopyInCopyOut.TransferAsync(size, (int)Math.Min(blocks, 50_000)));
                // memcpy runs alone and briefly, so a moment of load elsewhere would skew one run: median of 5.
                copy.Add(SignalRoundTrip.Median([.. Enumerable.Range(0, 5).Select(_ => Memcpy(size, (int)blocks))]));
            }

            double spindle = SignalRoundTrip.Median(ring);
            double memcpy = SignalRoundTrip.Median(copy);
            double twoCopies = SignalRoundTrip.Median(copies);
            string peer = "-", versus = "-";
            if (python.Available)
            {
                double rate = await python.MeasureAsync("bytes_per_second", "transfer", "--size", Text(size), "--iterations", Text(Math.Min(blocks, 20_000)), "--ring-bytes", Text(RingBytes));
                peer = Rate(rate);
                versus = $"{spindle / rate:F1}x";
            }

            Console.WriteLine($"  {Size(size),8}  {Rate(spindle),10}  {Rate(memcpy),10}  {Percent(spindle / memcpy),6}  {Percent(spindle / streaming),8}  {(spindle / streaming >= 0.5 ? "PASS" : "MISS"),5}  {Rate(twoCopies),10}  {Percent(twoCopies / memcpy),6}  {peer,10}  {versus,6}");
        }
    }

    private static int SlotsFor(int size) => Math.Max(2, (int)BitOperations.RoundUpToPowerOf2((uint)(RingBytes / size)));

    private static async Task<double> RingAsync(int size, long blocks)
    {
        using BlockRing ring = BlockRing.Create(size, SlotsFor(size));
        await using var consumer = new WorkerProcess(Consume, ring.Data, ring.Control, ring.DataReady, ring.SpaceReady, blocks);
        consumer.Start();

        // A first pass (not timed) starts the consumer and faults in both sides' pages; then the timed pass.
        long warm = Math.Min(blocks, ring.Slots * 2L);
        byte[] source = new byte[size];
        Random.Shared.NextBytes(source);
        ring.Produce(source, 0, warm);
        ring.Verify(source, 0, warm);
        long start = Stopwatch.GetTimestamp();
        ring.Produce(source, warm, warm + blocks);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        ring.Verify(source, warm, warm + blocks);
        await consumer.JoinAsync();
        return (double)size * blocks / seconds;
    }

    private static void Consume(SharedArray<byte> data, SharedArray<long> control, SharedEvent dataReady, SharedEvent spaceReady, long blocks)
    {
        BlockRing ring = BlockRing.Attach(data, control, dataReady, spaceReady);
        long warm = Math.Min(blocks, ring.Slots * 2L);
        ring.Consume(0, warm);
        ring.Consume(warm, warm + blocks);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Memcpy(int size, int iterations)
    {
        byte[] source = new byte[size];
        byte[] destination = new byte[size];
        Random.Shared.NextBytes(source);
        source.CopyTo(destination, 0);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++)
        {
            source.AsSpan().CopyTo(destination);
        }

        return (double)size * iterations / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Percent(double ratio) => $"{ratio * 100:F0}%";

    public static string Size(int bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : bytes >= 1 << 10 ? $"{bytes >> 10} KiB" : $"{bytes} B";

    public static string Rate(double bytesPerSecond) =>
        bytesPerSecond >= 1e9 ? $"{bytesPerSecond / 1e9:F2} GB/s" : $"{bytesPerSecond / 1e6:F0} MB/s";
}
