using System.Text;
using Spindle.Bench.Harness;

namespace Spindle.Bench.Ipc;

/// <summary>The results as a fixed-width console table or as markdown, headed by the machine and the run.</summary>
internal static class IpcReport
{
    private static readonly string[] Headers = ["#", "Measurement", "Spindle median [min - max]", "Baseline", "Baseline median [min - max]", "Ratio", "Goal", "Result"];

    private const string Legend =
        "Ratio: for a \"<= N x\" goal, Spindle's median cost over the baseline's; for \">= N x faster\", how many times " +
        "faster Spindle's median is; for report-only rows, Spindle's median over the baseline's (for rates, above 1 is faster). " +
        "Every baseline is measured in the same run; [min - max] is over all samples.";

    public static string Render(IReadOnlyList<Row> rows, MachineInfo machine, IpcSettings settings, DateTimeOffset startedAt, bool markdown)
    {
        var text = new StringBuilder();
        text.AppendLine(markdown ? "Machine:" : "Machine");
        text.AppendLine();
        foreach ((string name, string value) in machine.Lines())
        {
            text.AppendLine($"{(markdown ? "- " : "  ")}{name}: {value}");
        }

        text.AppendLine();
        text.AppendLine($"Run: {startedAt:yyyy-MM-dd HH:mm} UTC, mode {settings.Mode}, `dotnet run -c Release --project bench/Spindle.Bench.Ipc{(settings.Quick ? " -- --quick" : "")}`");
        text.AppendLine();
        List<string[]> cells = [.. rows.Select(Cells)];
        if (markdown)
        {
            text.AppendLine("| " + string.Join(" | ", Headers) + " |");
            text.AppendLine("|" + string.Concat(Headers.Select(_ => "---|")));
            foreach (string[] row in cells)
            {
                text.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
            }
        }
        else
        {
            cells.Insert(0, Headers);
            int[] widths = [.. Enumerable.Range(0, Headers.Length).Select(c => cells.Max(r => r[c].Length))];
            foreach (string[] row in cells)
            {
                text.AppendLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
                if (row == Headers)
                {
                    text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
                }
            }
        }

        text.AppendLine();
        text.AppendLine(Legend);
        return text.ToString();
    }

    private static string[] Cells(Row row) =>
        [row.Id, row.Title, row.SpindleCell, row.BaselineName, row.BaselineCell, row.Ratio, row.Goal.Describe(), row.Result];
}
