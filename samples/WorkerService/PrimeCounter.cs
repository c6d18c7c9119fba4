using Spindle;

namespace WorkerService;

/// <summary>Counts the primes in one range after another, one range per worker process of the "primes" pool at a time, until the host stops.</summary>
public sealed class PrimeCounter([FromKeyedServices("primes")] WorkerPool pool, ILogger<PrimeCounter> logger) : BackgroundService
{
    private const int RangeSize = 1_000_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (long start = 0; !stoppingToken.IsCancellationRequested; start += pool.MaxWorkers * RangeSize)
        {
            // One range per worker, counted at once in separate processes.
            long[] starts = [.. Enumerable.Range(0, pool.MaxWorkers).Select(i => start + (i * RangeSize))];
            (int Primes, int WorkerProcessId)[] counts = await Task.WhenAll(starts.Select(s => pool.RunAsync(CountPrimes, s, s + RangeSize, stoppingToken)));
            for (int i = 0; i < starts.Length; i++)
            {
                logger.LogInformation("{Primes} primes in [{Start:N0}, {End:N0}), counted by worker process {WorkerProcessId}", counts[i].Primes, starts[i], starts[i] + RangeSize, counts[i].WorkerProcessId);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
        }
    }

    /// <summary>Runs in a worker process: plain CPU work, by trial division.</summary>
    private static (int Primes, int WorkerProcessId) CountPrimes(long start, long end)
    {
        int count = 0;
        for (long n = Math.Max(start, 2); n < end; n++)
        {
            bool prime = true;
            for (long d = 2; d * d <= n && prime; d++)
            {
                prime = n % d != 0;
            }

            count += prime ? 1 : 0;
        }

        return (count, Environment.ProcessId);
    }
}
