using Spectre.Console;
using Spindle.Lab.Model;
using Spindle.Lab.Verdicts;

namespace Spindle.Lab.Report;

/// <summary>The seeds' comparison table with this machine's numbers, and the verdicts on the "use … when" advice, as Spectre.Console tables.</summary>
public static class TerminalReport
{
    /// <summary>The comparison table: one row per characteristic of the seeds' table, measured.</summary>
    public static Table ComparisonTable(LabReport report)
    {
        var table = new Table { Title = new TableTitle($"Processes vs threads on this machine ({report.Machine.Cores} cores, {Markup.Escape(report.Machine.DotNet)}, {report.Mode} run)") };
        table.AddColumns("Characteristic", "Process (measured)", "Thread (measured)", "Verdict");
        foreach (Verdict v in report.Verdicts.Where(v => v.Source == ClaimCatalog.TableSource))
        {
            string characteristic = v.Claim[..v.Claim.IndexOf(':', StringComparison.Ordinal)];
            table.AddRow(Markup.Escape(characteristic), Markup.Escape(v.ProcessFigure ?? string.Empty), Markup.Escape(v.ThreadFigure ?? string.Empty), Colored(v.Outcome));
        }

        return table;
    }

    /// <summary>The verdicts on every other claim (the "use … when" bullets and conclusions).</summary>
    public static Table AdviceTable(LabReport report)
    {
        var table = new Table { Title = new TableTitle("When to use which: the seeds' advice, judged") };
        table.AddColumns("Advice", "Verdict", "Why");
        foreach (Verdict v in report.Verdicts.Where(v => v.Source != ClaimCatalog.TableSource))
        {
            table.AddRow(Markup.Escape($"{v.Source}: {v.Claim}"), Colored(v.Outcome), Markup.Escape(v.Why));
        }

        return table;
    }

    /// <summary>A plain table of text cells, or null when it has no rows.</summary>
    public static Table? Plain(string title, string[] columns, IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0)
        {
            return null;
        }

        var table = new Table { Title = new TableTitle(Markup.Escape(title)) };
        table.AddColumns([.. columns.Select(Markup.Escape)]);
        foreach (string[] row in rows)
        {
            table.AddRow([.. row.Select(Markup.Escape)]);
        }

        return table;
    }

    /// <summary>Writes the tables, the warnings and the missing parts to <paramref name="console"/>.</summary>
    public static void Write(IAnsiConsole console, LabReport report)
    {
        console.Write(ComparisonTable(report));
        foreach (Table? table in new[]
        {
            Plain(CurveTitle, SwitchingSummary.CurveColumns, SwitchingSummary.CurveRows(report)),
            Plain(PerfTitle, SwitchingSummary.PerfColumns, SwitchingSummary.PerfRows(report)),
        })
        {
            if (table is not null)
            {
                console.Write(table);
            }
        }

        console.Write(AdviceTable(report));
        foreach (string warning in report.Warnings)
        {
            console.MarkupLine($"[yellow]warning:[/] {Markup.Escape(warning)}");
        }

        foreach (ExperimentResult experiment in report.Experiments)
        {
            foreach (MissingPart missing in experiment.Missing)
            {
                console.MarkupLine($"[yellow]not measured[/] ({Markup.Escape(experiment.Name)}): {Markup.Escape(missing.What)} — {Markup.Escape(missing.Reason)}");
            }
        }
    }

    /// <summary>Title of the working-set table (terminal and HTML).</summary>
    public const string CurveTitle = "Context switch by working set (OS level: futex, both sides pinned to one CPU, array touching taken off)";

    /// <summary>Title of the perf cross-check table (terminal and HTML).</summary>
    public const string PerfTitle = "Context switch cross-checked with the kernel's tools (perf bench sched pipe)";

    private static string Colored(VerdictOutcome outcome) => outcome switch
    {
        VerdictOutcome.Confirmed => "[green]confirmed[/]",
        VerdictOutcome.Refuted => "[red]refuted[/]",
        VerdictOutcome.Depends => "[yellow]depends[/]",
        _ => "[grey]not measured[/]",
    };
}
