using System.CommandLine;
using System.Diagnostics;
using Spindle;
using Spindle.Pools;

namespace Spindle.Cli;

/// <summary>
/// <c>spindle check</c>: proves this machine can run Spindle — starts a worker process and a worker thread, runs a
/// call on each, and reports where it ran, how workers are launched and what a warm call costs.
/// </summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var calls = CliOptions.Ranged("--calls", "Warm calls to time on each pool.", 2000, 1, 10_000_000);
        var command = new Command("check", "Run a call in a worker process and on a worker thread, and report what happened.") { calls };
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                return await RunAsync(parse.GetValue(calls), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("spindle check: interrupted.");
                return ExitCodes.Interrupted;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(int calls, CancellationToken cancellationToken)
    {
        Console.WriteLine($"spindle check — this process: pid {Environment.ProcessId}, {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        foreach (Isolation isolation in new[] { Isolation.Process, Isolation.Thread })
        {
            var clock = Stopwatch.StartNew();
            await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = isolation, Workers = 1 });
            (int pid, int thread) = await pool.RunAsync(() => (Environment.ProcessId, Environment.CurrentManagedThreadId), cancellationToken);
            TimeSpan cold = clock.Elapsed;
            clock.Restart();
            for (int i = 0; i < calls; i++)
            {
                await pool.RunAsync(x => x + 1, i, cancellationToken);
            }

            double perCall = clock.Elapsed.TotalMicroseconds / calls;
            Console.WriteLine($"{isolation,-8} worker: pid {pid}, thread {thread}; first result after {cold.TotalMilliseconds:0.0} ms; warm call {perCall:0.0} µs");
        }

        Console.WriteLine($"Workers start as: {Spindle.Processes.WorkerLauncher.Describe()}");
        return 0;
    }
}
