using Spindle.Pools;
using Spindle.Processes;

WorkerHost.RunIfWorker(); // Needed only by self-contained and single-file apps; returns at once otherwise.

int factor = 3; // Captured variables are copied into the worker process.
await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2 });

int workerPid = await pool.RunAsync(() => Environment.ProcessId);
Console.WriteLine($"app pid {Environment.ProcessId}, worker pid {workerPid}");
Console.WriteLine($"14 * {factor} = {await pool.RunAsync(x => x * factor, 14)}");
int[] squares = await pool.MapAsync(x => x * x, Enumerable.Range(1, 5)).ToArrayAsync();
Console.WriteLine($"squares: {string.Join(' ', squares)}");
