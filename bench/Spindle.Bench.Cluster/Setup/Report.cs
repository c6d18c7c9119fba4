using System.Text;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>The results as a fixed-width table and as markdown, after the machine and the run's settings.</summary>
internal sealed class Report(IReadOnlyList<(string Name, string Value)> machine, string command)
{
    private static readonly string[] Headers = ["#", "Measurement", "Spindle median [min - max]", "Baseline", "Baseline median [min - max]", "Ratio", "Goal", "Result"];

    private const string Legend =
        "Ratio: for a \"<= N x\" goal, Spindle's median cost over the baseline's; for \">= N x faster\", how many times " +
        "faster Spindle's median is; for report-only rows, Spindle's median over the baseline's. Every baseline is " +
        "measured in the same run, on the same machine; [min - max] is over all samples.";

    private readonly List<Row> _rows = [];

    public void Add(IEnumerable<Row> rows) => _rows.AddRange(rows);

    public string ToConsole()
    {
        List<string[]> cells = [Headers, .. _rows.Select(Cells)];
        int[] widths = Enumerable.Range(0, Headers.Length).Select(c => cells.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        Heading(text, "  ");
        foreach (string[] row in cells)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
            if (row == Headers)
            {
                text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        text.AppendLine().AppendLine(Legend);
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        Heading(text, "- ");
        text.AppendLine("| " + string.Join(" | ", Headers) + " |");
        text.AppendLine("|" + string.Concat(Headers.Select(_ => "---|")));
        foreach (Row row in _rows)
        {
            text.AppendLine("| " + string.Join(" | ", Cells(row).Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }

        text.AppendLine().AppendLine(Legend);
        return text.ToString();
    }

    private static string[] Cells(Row row) =>
        [row.Id, row.Title, row.SpindleCell, row.BaselineName, row.BaselineCell, row.Ratio, row.Goal.Describe(), row.Result];

    private void Heading(StringBuilder text, string bullet)
    {
        foreach ((string name, string value) in machine)
        {
            text.AppendLine($"{bullet}{name}: {value}");
        }

        text.AppendLine($"{bullet}Command: `{command}`").AppendLine();
    }
}
