using System.Diagnostics;
using System.Globalization;
using Spindle.Bench.Harness;
using Spindle.Bench.Measurements;

// The bench starts itself again as the far end of the raw-socket baseline.
if (args is [UdsPingPong.ChildCommand, string socketPath])
{
    return UdsPingPong.Serve(socketPath);
}

// Figures print the same on every machine, whatever its locale.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

BenchSettings settings;
try
{
    settings = BenchSettings.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchSettings.Usage);
    return 2;
}

DateTimeOffset startedAt = DateTimeOffset.UtcNow;
PythonPeer python = await PythonPeer.FindAsync(settings.CallTimeout);
var report = new Report(MachineInfo.Read(python.Version), settings, startedAt);
Console.WriteLine($"Spindle bench, {settings.Mode} run{(python.Available ? "" : "; " + Row.PythonMissing)}");

var total = Stopwatch.StartNew();
foreach (Measurement measurement in Catalog.All.Where(m => settings.Includes(m.Number)))
{
    // Each measurement starts from a collected heap, so one's garbage is not billed to the next.
    GC.Collect();
    GC.WaitForPendingFinalizers();
    Console.Write($"[{measurement.Number}] {measurement.Title} ... ");
    var watch = Stopwatch.StartNew();
    IReadOnlyList<Row> rows;
    try
    {
        rows = await measurement.RunAsync(settings, python).WaitAsync(settings.MeasurementTimeout);
    }
    catch (Exception e)
    {
        rows = [new Row(measurement.Number.ToString(CultureInfo.InvariantCulture), measurement.Title, "-", Goal.ReportOnly) { SpindleProblem = $"{e.GetType().Name}: {e.Message}" }];
    }

    Console.WriteLine($"{watch.Elapsed.TotalSeconds:0.0} s");
    foreach (Row row in rows)
    {
        Console.WriteLine($"    {row.Id}: {row.SpindleCell} vs {row.BaselineCell} -> {row.Ratio} ({row.Result})");
    }

    report.Add(rows);
}

Console.WriteLine();
Console.WriteLine(report.ToConsole());
Console.WriteLine($"Total time: {total.Elapsed.TotalSeconds:0} s");
if (settings.MarkdownPath is { } markdownPath)
{
    await File.WriteAllTextAsync(markdownPath, report.ToMarkdown());
    Console.WriteLine($"Markdown written to {Path.GetFullPath(markdownPath)}");
}

return 0;
