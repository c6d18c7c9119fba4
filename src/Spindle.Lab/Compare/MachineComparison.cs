using System.Globalization;
using Spindle.Lab.Model;
using Spindle.Lab.Report;
using Spindle.Lab.Verdicts;
using static Spindle.Lab.Verdicts.Evidence;

namespace Spindle.Lab.Compare;

/// <summary>
/// Two lab reports side by side, A (the first file) and B: the seeds' table of each, the numbers behind it with the
/// ratio B ÷ A, the claims judged differently, and every measurement both have. Plain text cells, for the terminal and HTML.
/// </summary>
public sealed class MachineComparison
{
    public static readonly string[] TableColumns = ["Characteristic", "Verdict A", "Verdict B", "Process A", "Process B", "Thread A", "Thread B"];

    public static readonly string[] NumberColumns = ["Characteristic", "Measurement", "Level", "Unit", "A", "B", "B ÷ A"];

    public static readonly string[] ClaimColumns = ["Claim", "Verdict A", "Verdict B"];

    public static readonly string[] AllColumns = ["Experiment", "Measurement", "Level", "At", "Unit", "A (median)", "B (median)", "B ÷ A"];

    private MachineComparison(string pathA, LabReport a, string pathB, LabReport b)
    {
        A = a;
        B = b;
        Machines = [Describe("A", pathA, a), Describe("B", pathB, b)];
        Table = [.. TableRows(a, b)];
        Numbers = [.. KeyFigures.For(a, b).Select(f => Row(f.Row, f.Label, f.Level.Label(), f.Unit, f.Value(a), f.Value(b))).Where(r => r[4] != "—" || r[5] != "—")];
        ClaimsJudgedDifferently = [.. a.Verdicts.Zip(b.Verdicts).Where(p => p.First.Claim == p.Second.Claim && p.First.Outcome != p.Second.Outcome)
            .Select(p => new[] { $"{p.First.Source}: {p.First.Claim}", HtmlReport.Label(p.First.Outcome), HtmlReport.Label(p.Second.Outcome) })];
        All = [.. AllRows(a, b)];
    }

    public LabReport A { get; }

    public LabReport B { get; }

    /// <summary>One line per machine: which file, the CPU, cores, kernel, .NET, mode and date.</summary>
    public IReadOnlyList<string> Machines { get; }

    /// <summary>The seeds' comparison table, row by row, with both machines' figures and verdicts.</summary>
    public IReadOnlyList<string[]> Table { get; }

    /// <summary>The numbers behind the table, with B ÷ A.</summary>
    public IReadOnlyList<string[]> Numbers { get; }

    /// <summary>Claims whose verdict differs between the two machines.</summary>
    public IReadOnlyList<string[]> ClaimsJudgedDifferently { get; }

    /// <summary>Every measurement both reports hold, with B ÷ A.</summary>
    public IReadOnlyList<string[]> All { get; }

    /// <summary>How to read the ratio column.</summary>
    public static string RatioNote =>
        "B ÷ A is B's median over A's: above 1, B took longer or used more memory (for a speedup: B scaled further). Each report's figures come from its own run; a busy machine makes them noisier.";

    /// <summary>Loads both reports and pairs them.</summary>
    /// <exception cref="InvalidReportException">A file is missing or is not a lab report.</exception>
    public static async Task<MachineComparison> LoadAsync(string pathA, string pathB, CancellationToken cancellationToken = default)
    {
        LabReport a = await ReportFile.LoadAsync(pathA, cancellationToken);
        LabReport b = await ReportFile.LoadAsync(pathB, cancellationToken);
        return new MachineComparison(pathA, a, pathB, b);
    }

    private static string Describe(string name, string path, LabReport r) =>
        $"{name}: {path} — {r.Machine.CpuModel}, {r.Machine.Cores} cores, kernel {r.Machine.Kernel}, {r.Machine.DotNet}, {r.Mode} run of " +
        $"{r.StartedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC{(r.Machine.BusyCores is > 0.5 ? $" ({Num(r.Machine.BusyCores.Value)} cores busy with other work)" : string.Empty)}";

    private static IEnumerable<string[]> TableRows(LabReport a, LabReport b)
    {
        Verdict[] rowsA = [.. a.Verdicts.Where(v => v.Source == ClaimCatalog.TableSource)];
        Verdict[] rowsB = [.. b.Verdicts.Where(v => v.Source == ClaimCatalog.TableSource)];
        foreach (string characteristic in rowsA.Concat(rowsB).Select(Characteristic).Distinct())
        {
            Verdict? va = rowsA.FirstOrDefault(v => Characteristic(v) == characteristic);
            Verdict? vb = rowsB.FirstOrDefault(v => Characteristic(v) == characteristic);
            yield return
            [
                characteristic, Outcome(va), Outcome(vb), va?.ProcessFigure ?? "—", vb?.ProcessFigure ?? "—", va?.ThreadFigure ?? "—", vb?.ThreadFigure ?? "—",
            ];
        }
    }

    private static IEnumerable<string[]> AllRows(LabReport a, LabReport b)
    {
        foreach (ExperimentResult ea in a.Experiments)
        {
            if (b.Experiment(ea.Name) is not { } eb)
            {
                continue;
            }

            foreach (Measurement ma in ea.Measurements)
            {
                if (eb.Measurements.FirstOrDefault(m => m.Series == ma.Series && m.Unit == ma.Unit && m.X == ma.X) is { } mb)
                {
                    string at = ma.X is { } x ? $"{SvgChart.XLabel(x, ma.XUnit)} {(ma.XUnit is { } u && u.StartsWith("bytes", StringComparison.Ordinal) ? u[5..].Trim() : ma.XUnit)}".Trim() : string.Empty;
                    string[] row = Row(ea.Name, ma.Series, ma.Level.Label(), ma.Unit, ma.Median, mb.Median);
                    yield return [row[0], row[1], row[2], at, .. row[3..]];
                }
            }
        }
    }

    private static string[] Row(string group, string label, string level, string unit, double? a, double? b) =>
    [
        group, label, level, unit, a is { } x ? Num(x) : "—", b is { } y ? Num(y) : "—",
        a is { } p && b is { } q && p > 0 && q > 0 ? Ratio(q / p) : "—",
    ];

    private static string Characteristic(Verdict v) => v.Claim[..v.Claim.IndexOf(':', StringComparison.Ordinal)];

    private static string Outcome(Verdict? v) => v is null ? "—" : HtmlReport.Label(v.Outcome);
}
