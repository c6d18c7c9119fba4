using System.Diagnostics;

namespace Spindle.Bench.Http;

/// <summary>
/// A closed-loop load: <c>clients</c> loops each send one request, wait for the answer, send the next — until
/// <c>count</c> requests are done or <c>timeLimit</c> passes. Every request is timed.
/// </summary>
internal static class ClosedLoop
{
    public static async Task<LoadResult> RunAsync(string label, int clients, int count, TimeSpan timeLimit, Func<HttpClient, Task<bool>> request, HttpClient http)
    {
        int issued = 0;
        int failed = 0;
        var latencies = new List<double>[clients];
        using var stop = new CancellationTokenSource(timeLimit);
        var clock = Stopwatch.StartNew();
        Task[] loops = new Task[clients];
        for (int c = 0; c < clients; c++)
        {
            var mine = latencies[c] = new List<double>(count / clients + 1);
            loops[c] = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested && Interlocked.Increment(ref issued) <= count)
                {
                    long start = Stopwatch.GetTimestamp();
                    bool ok = await request(http);
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (!ok)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            });
        }

        await Task.WhenAll(loops);
        TimeSpan elapsed = clock.Elapsed;
        double[] all = latencies.SelectMany(l => l).Order().ToArray();
        return new LoadResult(label, all.Length, failed, elapsed, Percentile(all, 0.50), Percentile(all, 0.99));
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

/// <summary>What one load run measured.</summary>
internal sealed record LoadResult(string Label, int Requests, int Failed, TimeSpan Elapsed, double P50Ms, double P99Ms)
{
    public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;
}
