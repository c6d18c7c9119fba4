using System.Globalization;
using Spindle.Bench.Shared;

// Shared memory and synchronization against their baselines, measured in the same run:
//   1. a cross-process signal round trip through SharedEvents vs a raw Unix-domain-socket ping-pong (goal ≤ 0.5x),
//      and Python's multiprocessing.Event doing the same;
//   2. SharedArray bulk transfer between processes (the producer writes each block into a ring in a SharedArray,
//      the consumer process checksums it in place) vs single-thread memcpy (goal ≥ 50%), 64 B to 16 MB, and
//      Python's multiprocessing.shared_memory doing the same work; copying in and out again as an extra row;
//   3. a WorkerPool call with a large double[] argument through shared memory vs over the worker's socket.
bool quick = args.Contains("--quick");
if (args.Any(a => a is not "--quick"))
{
    Console.Error.WriteLine("usage: Spindle.Bench.Shared [--quick]");
    return 2;
}

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
Console.WriteLine($"Spindle shared memory bench ({(quick ? "quick" : "default")} run), {Environment.ProcessorCount} cores, .NET {Environment.Version}");
var python = await PythonPeer.FindAsync();
Console.WriteLine(python.Available ? $"Python peer: {python.Version}" : "Python peer: python3 not found, its columns are skipped");
Console.WriteLine();

await SignalRoundTrip.RunAsync(quick, python);
Console.WriteLine();
await BulkTransfer.RunAsync(quick, python);
Console.WriteLine();
await LargeArguments.RunAsync(quick);
return 0;
