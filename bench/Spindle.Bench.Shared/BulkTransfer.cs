using System.Diagnostics;
using System.Globalization;
using Spindle.Shared;
using Spindle.Sync;
using Spindle.Workers;

namespace Spindle.Bench.Shared;

/// <summary>
/// Moves bytes from one process's buffer to another's through a double-buffered SharedArray (the producer copies
/// a block in while the consumer copies the previous one out; two SharedSemaphores hand the slots over), against
/// one thread copying the same bytes buffer to buffer (memcpy), and Python's multiprocessing.shared_memory.
/// </summary>
internal static class BulkTransfer
{
    public static async Task RunAsync(bool quick, PythonPeer python)
    {
        int[] sizes = quick ? [64, 64 << 10, 16 << 20] : [64, 1 << 10, 16 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20];
        long total = quick ? 64L << 20 : 512L << 20;
        int repetitions = quick ? 1 : 3;
        Console.WriteLine($"SharedArray bulk transfer between processes vs single-thread memcpy (about {total >> 20} MiB per size, median of {repetitions})");
        Console.WriteLine($"  {"size",8}  {"SharedArray",12}  {"memcpy",12}  {"ratio",7}  {"goal",6}  {"Python shm",12}  {"vs Python",9}");
        foreach (int size in sizes)
        {
            int iterations = (int)Math.Clamp(total / size, 200, quick ? 5_000 : 50_000);
            var shared = new List<double>();
            var copy = new List<double>();
            for (int r = 0; r < repetitions; r++)
            {
                shared.Add(await TransferAsync(size, iterations));
                copy.Add(Memcpy(size, iterations));
            }

            double spindle = SignalRoundTrip.Median(shared);
            double memcpy = SignalRoundTrip.Median(copy);
            string peer = "-", versus = "-";
            if (python.Available)
            {
                double rate = await python.MeasureAsync("bytes_per_second", "transfer", "--size", Text(size), "--iterations", Text(Math.Min(iterations, 20_000)));
                peer = Rate(rate);
                versus = $"{spindle / rate:F1}x";
            }

            Console.WriteLine($"  {Size(size),8}  {Rate(spindle),12}  {Rate(memcpy),12}  {spindle / memcpy * 100,6:F0}%  {(spindle / memcpy >= 0.5 ? "PASS" : "MISS"),6}  {peer,12}  {versus,9}");
        }
    }

    private static async Task<double> TransferAsync(int size, int iterations)
    {
        using SharedArray<byte> slots = SharedArray.Create<byte>(2L * size);
        using SharedSemaphore empty = SharedSemaphore.Create(2, 2);
        using SharedSemaphore full = SharedSemaphore.Create(0, 2);
        using SharedEvent ready = SharedEvent.Create();
        await using var consumer = new WorkerProcess(Consume, slots, empty, full, ready, iterations);
        consumer.Start();
        ready.Wait();
        byte[] source = new byte[size];
        Random.Shared.NextBytes(source);
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++)
        {
            empty.Wait();
            source.CopyTo(slots.Span.Slice((i & 1) * size, size));
            full.Release();
        }

        // Both slots free again: the consumer has copied out the last block.
        empty.Wait();
        empty.Wait();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await consumer.JoinAsync();
        return (double)size * iterations / seconds;
    }

    private static void Consume(SharedArray<byte> slots, SharedSemaphore empty, SharedSemaphore full, SharedEvent ready, int iterations)
    {
        int size = (int)(slots.Length / 2);
        byte[] destination = new byte[size];
        ready.Set();
        for (int i = 0; i < iterations; i++)
        {
            full.Wait();
            slots.Span.Slice((i & 1) * size, size).CopyTo(destination);
            empty.Release();
        }
    }

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

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Size(int bytes) => bytes >= 1 << 20 ? $"{bytes >> 20} MiB" : bytes >= 1 << 10 ? $"{bytes >> 10} KiB" : $"{bytes} B";

    private static string Rate(double bytesPerSecond) =>
        bytesPerSecond >= 1e9 ? $"{bytesPerSecond / 1e9:F2} GB/s" : $"{bytesPerSecond / 1e6:F0} MB/s";
}
