using System.Text;
using Spindle.Lab.Report;

namespace Spindle.Lab.Compare;

/// <summary>Writes compare.html: two machines' reports side by side, self-contained like report.html.</summary>
public static class ComparisonHtml
{
    public static string Render(MachineComparison comparison)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        html.Append("<title>spindle lab: two machines side by side</title><style>").Append(HtmlReport.Style).Append("</style></head><body>");
        html.Append("<h1>spindle lab: two machines side by side</h1><ul class=\"machines\">");
        foreach (string machine in comparison.Machines)
        {
            html.Append("<li>").Append(HtmlReport.E(machine)).Append("</li>");
        }

        html.Append("</ul>");
        HtmlReport.AppendPlain(html, "compare-table", ComparisonTerminal.TableTitle, MachineComparison.TableColumns, comparison.Table);
        HtmlReport.AppendPlain(html, "compare-numbers", ComparisonTerminal.NumbersTitle, MachineComparison.NumberColumns, comparison.Numbers);
        html.Append("<p>").Append(HtmlReport.E(MachineComparison.RatioNote)).Append("</p>");
        if (comparison.ClaimsJudgedDifferently.Count > 0)
        {
            HtmlReport.AppendPlain(html, "compare-claims", ComparisonTerminal.ClaimsTitle, MachineComparison.ClaimColumns, comparison.ClaimsJudgedDifferently);
        }
        else
        {
            html.Append("<p id=\"compare-claims\">Every claim of the seeds was judged the same on both machines.</p>");
        }

        html.Append("<details><summary>every measurement both runs made</summary>");
        HtmlReport.AppendPlain(html, "compare-all", "Every measurement, B against A", MachineComparison.AllColumns, comparison.All);
        html.Append("</details></body></html>");
        return html.ToString();
    }

    public static Task WriteAsync(MachineComparison comparison, string path, CancellationToken cancellationToken = default) =>
        File.WriteAllTextAsync(path, Render(comparison), cancellationToken);
}
