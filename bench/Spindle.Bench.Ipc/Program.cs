using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle.Bench.Ipc;
using Spindle.Bench.Ipc.Echo;

// Figures print the same on every machine, whatever its locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

IpcSettings settings;
try
{
    settings = IpcSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(IpcSettings.Usage);
    return 2;
}

DateTimeOffset startedAt = DateTimeOffset.UtcNow;
PythonPeer python = await PythonPeer.FindAsync(TimeSpan.FromSeconds(30));
Console.WriteLine($"Spindle IPC bench, {settings.Mode} run{(python.Available ? "" : "; " + Row.PythonMissing)}");
var total = Stopwatch.StartNew();
var rows = new List<Row>();

Console.Write("Python peers (multiprocessing.Pipe, multiprocessing.Queue) ... ");
var watch = Stopwatch.StartNew();
PythonFigures pipePeer = await PythonFigures.RunAsync(python, "mp_pipe.py", settings, settings.LatencySizes);
PythonFigures queuePeer = await PythonFigures.RunAsync(python, "mp_queue.py", settings, settings.LatencySizes);
Console.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s");

// --only keeps the sections and sizes whose row ids were asked for; every kept row still runs with its baselines.
int[] processSizes = settings.Wanted('P', settings.LatencySizes);
int[] threadSizes = settings.Wanted('T', [IpcSettings.Small, 1 << 20]);
int[] burstSizes = settings.Wanted('X', settings.BurstSizes);
if (processSizes.Length > 0)
{
    await Section("Round trips between processes", () => Latency.RunAsync(settings, Where.Process, processSizes, pipePeer, queuePeer));
}

if (threadSizes.Length > 0)
{
    await Section("Round trips between threads", () => Latency.RunAsync(settings, Where.Thread, threadSizes, null, null));
}

if (burstSizes.Length > 0)
{
    await Section("Throughput between processes", () => Throughput.RunAsync(settings, burstSizes, pipePeer, queuePeer));
}

Console.WriteLine();
string table = IpcReport.Render(rows, MachineInfo.Read(python.Version), settings, startedAt, markdown: false);
Console.WriteLine(table);
Console.WriteLine($"Total time: {total.Elapsed.TotalSeconds:0} s");
if (settings.MarkdownPath is { } path)
{
    await File.WriteAllTextAsync(path, IpcReport.Render(rows, MachineInfo.Read(python.Version), settings, startedAt, markdown: true));
    Console.WriteLine($"Markdown written to {Path.GetFullPath(path)}");
}

return rows.Any(r => r.Result == "ERROR") ? 1 : 0;

async Task Section(string title, Func<Task<List<Row>>> run)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    Console.Write($"{title} ... ");
    var clock = Stopwatch.StartNew();
    List<Row> produced;
    try
    {
        produced = await run().WaitAsync(TimeSpan.FromMinutes(settings.Quick ? 2 : 5));
    }
    catch (Exception e)
    {
        produced = [new Row("-", title, "-", Goal.ReportOnly) { SpindleProblem = $"{e.GetType().Name}: {e.Message}" }];
    }

    Console.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s");
    foreach (Row row in produced)
    {
        Console.WriteLine($"    {row.Id}: {row.SpindleCell} vs {row.BaselineCell} -> {row.Ratio} ({row.Result})");
    }

    rows.AddRange(produced);
}
