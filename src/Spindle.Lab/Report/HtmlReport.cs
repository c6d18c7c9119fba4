using System.Globalization;
using System.Net;
using System.Text;
using Spindle.Lab.Model;

namespace Spindle.Lab.Report;

/// <summary>Writes report.html: one self-contained page (inline CSS and SVG, no scripts, no external assets) that reads offline and on a phone.</summary>
public static class HtmlReport
{
    /// <summary>The page's CSS, shared with the comparison of two machines.</summary>
    internal const string Style = """
        body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:980px;padding:12px;color:#111}
        h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
        .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:13px;margin:.5em 0}
        td,th{border:1px solid #ddd;padding:3px 6px;vertical-align:top;text-align:left}th{background:#f4f4f4}
        td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        svg.chart{width:100%;height:auto;max-width:720px;display:block;margin:.6em 0;font-family:system-ui,sans-serif}
        .Confirmed{color:#166534;font-weight:bold}.Refuted{color:#b91c1c;font-weight:bold}.Depends{color:#a16207;font-weight:bold}.NotMeasured{color:#6b7280;font-weight:bold}
        .missing{color:#b45309}.method{color:#333}
        @media (max-width:640px){table.verdicts,table.verdicts tbody,table.verdicts tr,table.verdicts td{display:block}
        table.verdicts tr:first-child{display:none}table.verdicts tr{border-bottom:2px solid #ccc;padding:.3em 0}table.verdicts td{border:none;padding:1px 4px}}
        """;

    public static string Render(LabReport report)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>spindle lab: processes vs threads on this machine</title><style>").Append(Style).Append("</style></head><body>");
        html.Append("<h1>spindle lab: processes vs threads, measured</h1>");
        MachineInfo m = report.Machine;
        html.Append(CultureInfo.InvariantCulture, $"<p>{E(m.CpuModel)}, {m.Cores} cores, {(m.MemoryBytes is { } b ? $"{b / (1024.0 * 1024 * 1024):0.0} GiB" : "memory unknown")}, kernel {E(m.Kernel)}, {E(m.OperatingSystem)}, {E(m.DotNet)} ({E(m.Architecture)}), {E(m.Python ?? "Python not used")}, load average {(m.LoadAverage is { } load ? load.ToString("0.0", CultureInfo.InvariantCulture) : "unknown")}, {(m.BusyCores is { } busy ? busy.ToString("0.0", CultureInfo.InvariantCulture) : "unknown")} cores busy just before the run. ");
        html.Append(CultureInfo.InvariantCulture, $"Mode <b>{E(report.Mode)}</b>, started {report.StartedAt:yyyy-MM-dd HH:mm} UTC, took {report.Seconds:0} s.</p>");
        foreach (string warning in report.Warnings)
        {
            html.Append("<p class=\"missing\">").Append(E(warning)).Append("</p>");
        }

        AppendComparison(html, report);
        AppendPlain(html, "switch-curve", TerminalReport.CurveTitle, SwitchingSummary.CurveColumns, SwitchingSummary.CurveRows(report));
        AppendPlain(html, "perf-cross-check", TerminalReport.PerfTitle, SwitchingSummary.PerfColumns, SwitchingSummary.PerfRows(report));
        AppendVerdicts(html, report);
        foreach (ExperimentResult experiment in report.Experiments)
        {
            AppendExperiment(html, experiment);
        }

        html.Append("<p>Every sample is in report.json next to this page.</p></body></html>");
        return html.ToString();
    }

    public static Task WriteAsync(LabReport report, string path, CancellationToken cancellationToken = default) =>
        File.WriteAllTextAsync(path, Render(report), cancellationToken);

    private static void AppendComparison(StringBuilder html, LabReport report)
    {
        html.Append("<h2 id=\"comparison\">The seeds' comparison table, measured</h2><div class=\"scroll\"><table class=\"comparison\"><tr><th>characteristic</th><th>process</th><th>thread</th><th>verdict</th></tr>");
        foreach (Verdict v in report.Verdicts.Where(v => v.Source == Verdicts.ClaimCatalog.TableSource))
        {
            string characteristic = v.Claim[..v.Claim.IndexOf(':', StringComparison.Ordinal)];
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(characteristic)}</td><td>{E(v.ProcessFigure ?? string.Empty)}</td><td>{E(v.ThreadFigure ?? string.Empty)}</td><td class=\"{v.Outcome}\">{E(Label(v.Outcome))}</td></tr>");
        }

        html.Append("</table></div>");
    }

    /// <summary>A table of text cells under a heading; nothing when there are no rows.</summary>
    internal static void AppendPlain(StringBuilder html, string id, string title, string[] columns, IReadOnlyList<string[]> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"{E(id)}\">{E(title)}</h2><div class=\"scroll\"><table class=\"{E(id)}\"><tr>");
        foreach (string column in columns)
        {
            html.Append("<th>").Append(E(column)).Append("</th>");
        }

        html.Append("</tr>");
        foreach (string[] row in rows)
        {
            html.Append("<tr>");
            foreach (string cell in row)
            {
                html.Append("<td>").Append(E(cell)).Append("</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</table></div>");
    }

    private static void AppendVerdicts(StringBuilder html, LabReport report)
    {
        html.Append("<h2 id=\"verdicts\">Every claim of the seeds, judged</h2><div class=\"scroll\"><table class=\"verdicts\"><tr><th>source</th><th>claim</th><th>verdict</th><th>numbers</th><th>why</th></tr>");
        foreach (Verdict v in report.Verdicts)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(v.Source)}</td><td>{E(v.Claim)}</td><td class=\"{v.Outcome}\">{E(Label(v.Outcome))}</td><td>{E(v.Evidence)}</td><td>{E(v.Why)}</td></tr>");
        }

        html.Append("</table></div>");
    }

    private static void AppendExperiment(StringBuilder html, ExperimentResult experiment)
    {
        html.Append(CultureInfo.InvariantCulture, $"<section class=\"experiment\" id=\"{E(experiment.Name)}\"><h2>{E(experiment.Title)} <small>({E(experiment.Name)}, {experiment.Seconds:0.0} s)</small></h2>");
        html.Append("<p class=\"method\">").Append(E(experiment.Method)).Append("</p>");
        // One chart per unit; a unit measured both over a parameter and without one (the switch by working set beside
        // the plain ping-pongs) gets a line chart and a bar chart.
        foreach (IGrouping<(string Unit, bool Swept), Measurement> chart in ChartGroups(experiment))
        {
            Measurement[] group = [.. chart];
            bool split = experiment.Measurements.Any(m => m.Unit == chart.Key.Unit && (m.X is not null) != chart.Key.Swept);
            string title = $"{experiment.Title}: {chart.Key.Unit}{(split && chart.Key.Swept ? $" by {group[0].XUnit}" : string.Empty)}";
            html.Append(chart.Key.Swept ? SvgChart.Lines(title, group) : SvgChart.Bars(title, group));
        }

        if (experiment.Facts.Count > 0)
        {
            html.Append("<ul class=\"facts\">");
            foreach (Fact fact in experiment.Facts)
            {
                html.Append(CultureInfo.InvariantCulture, $"<li><b>{E(fact.Name)}</b>: {E(fact.Value)}</li>");
            }

            html.Append("</ul>");
        }

        foreach (MissingPart missing in experiment.Missing)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p class=\"missing\">Not measured: {E(missing.What)} — {E(missing.Reason)}</p>");
        }

        if (experiment.Measurements.Count > 0)
        {
            html.Append("<details><summary>numbers</summary><div class=\"scroll\"><table><tr><th>measurement</th><th>side</th><th>level</th><th>at</th><th>median</th><th>min</th><th>max</th><th>unit</th><th>n</th></tr>");
            foreach (Measurement m in experiment.Measurements)
            {
                string at = m.X is { } x ? $"{SvgChart.Fmt(x)} {m.XUnit}" : string.Empty;
                html.Append(CultureInfo.InvariantCulture, $"<tr><td>{E(m.Series)}</td><td>{m.Subject} ({m.Origin})</td><td>{E(m.Level.Label())}</td><td>{E(at)}</td><td class=\"n\">{SvgChart.Fmt(m.Median)}</td><td class=\"n\">{SvgChart.Fmt(m.Min)}</td><td class=\"n\">{SvgChart.Fmt(m.Max)}</td><td>{E(m.Unit)}</td><td class=\"n\">{m.Samples.Count}</td></tr>");
            }

            html.Append("</table></div></details>");
        }

        html.Append("</section>");
    }

    /// <summary>The charts of an experiment: its measurements by unit, and by whether they were taken over a parameter.</summary>
    public static IEnumerable<IGrouping<(string Unit, bool Swept), Measurement>> ChartGroups(ExperimentResult experiment) =>
        experiment.Measurements.GroupBy(m => (m.Unit, m.X is not null));

    public static string Label(VerdictOutcome outcome) => outcome == VerdictOutcome.NotMeasured ? "not measured" : outcome.ToString().ToLowerInvariant();

    internal static string E(string text) => WebUtility.HtmlEncode(text);
}
