using Spindle;

Spindle.WorkerHost.RunIfWorker(); // Only self-contained and single-file apps need this line.

await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 2 });

int factor = 3;                                                  // captured: copied into the worker
int workerPid = await pool.RunAsync(() => Environment.ProcessId);  // ran in another process
int answer = await pool.RunAsync(x => x * factor, 14);             // 42

long total = 0;
await foreach (long square in pool.MapAsync(x => (long)x * x, Enumerable.Range(1, 10_000), new MapOptions { ChunkSize = 1000 }))
{
    total += square;
}

Console.WriteLine($"parent {Environment.ProcessId}, worker {workerPid}: {answer}, {total}");
