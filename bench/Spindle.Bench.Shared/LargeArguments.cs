using System.Diagnostics;
using Spindle;
using Spindle.Pools;

namespace Spindle.Bench.Shared;

/// <summary>
/// A WorkerPool call whose argument is a large double[]: through shared memory (the default above
/// WorkerPoolOptions.SharedMemoryThreshold) against the same call with the threshold off, so the array crosses the
/// worker's socket. Calls alternate between the two pools so machine load falls on both alike.
/// </summary>
internal static class LargeArguments
{
    public static async Task RunAsync(bool quick)
    {
        int[] sizes = quick ? [16 << 20] : [1 << 20, 4 << 20, 16 << 20, 64 << 20];
        int calls = quick ? 5 : 15;
        await using var viaShared = new WorkerPool(new WorkerPoolOptions { Workers = 1 });
        await using var viaSocket = new WorkerPool(new WorkerPoolOptions { Workers = 1, SharedMemoryThreshold = null });
        await viaShared.RunAsync(Length, new double[1]);
        await viaSocket.RunAsync(Length, new double[1]);
        Console.WriteLine($"WorkerPool.RunAsync with a large double[] argument (median of {calls} calls each, alternating)");
        Console.WriteLine($"  {"size",8}  {"shared memory",14}  {"socket",10}  {"speed-up",8}");
        foreach (int bytes in sizes)
        {
            double[] values = new double[bytes / sizeof(double)];
            Random.Shared.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
            var shared = new List<double>();
            var socket = new List<double>();
            for (int i = 0; i < calls + 1; i++)
            {
                double a = await TimeAsync(viaShared, values);
                double b = await TimeAsync(viaSocket, values);
                if (i > 0)
                {
                    shared.Add(a);
                    socket.Add(b);
                }
            }

            double s = SignalRoundTrip.Median(shared), t = SignalRoundTrip.Median(socket);
            Console.WriteLine($"  {bytes >> 20,5} MiB  {s,11:F2} ms  {t,7:F2} ms  {t / s,7:F2}x");
        }
    }

    private static async Task<double> TimeAsync(WorkerPool pool, double[] values)
    {
        long start = Stopwatch.GetTimestamp();
        int length = await pool.RunAsync(Length, values);
        if (length != values.Length)
        {
            throw new InvalidOperationException($"The worker saw {length} values, not {values.Length}.");
        }

        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static int Length(double[] values) => values.Length;
}
