using System.Globalization;
using System.Net;
using System.Text;
using Spindle.Lab.Model;

namespace Spindle.Lab.Report;

/// <summary>Hand-written inline SVG: horizontal bars (median, with a min–max whisker) or lines over a parameter. No scripts, no external assets.</summary>
internal static class SvgChart
{
    private const int Width = 720;
    private static readonly string[] Palette = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#be185d", "#65a30d", "#4b5563", "#ca8a04"];

    /// <summary>One bar per measurement: the median as the bar, min–max as a whisker; log scale when values span more than 50x.</summary>
    public static string Bars(string title, IReadOnlyList<Measurement> measurements)
    {
        const int Row = 26;
        const int Label = 310;
        int height = 40 + measurements.Count * Row + 24;
        double max = measurements.Max(m => m.Max);
        double min = Math.Max(measurements.Min(m => m.Min), max / 1e6);
        bool log = min > 0 && max / min > 50;
        double Scale(double v) => log
            ? (Math.Log10(Math.Max(v, min)) - Math.Log10(min) + 0.3) / (Math.Log10(max) - Math.Log10(min) + 0.3) * (Width - Label - 160)
            : v / max * (Width - Label - 160);
        var svg = Begin(title, height);
        for (int i = 0; i < measurements.Count; i++)
        {
            Measurement m = measurements[i];
            double y = 36 + i * Row;
            string color = ColorOf(m.Subject);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Label - 6}\" y=\"{y + 14}\" text-anchor=\"end\" font-size=\"12\">{Escape(Shorten(m.Series, 44))}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Label}\" y=\"{y + 3}\" width=\"{Math.Max(1, Scale(m.Median)):0.#}\" height=\"16\" fill=\"{color}\" opacity=\"0.8\"><title>{Escape($"{m.Series}: median {Fmt(m.Median)} {m.Unit} (min {Fmt(m.Min)}, max {Fmt(m.Max)}, n = {m.Samples.Count})")}</title></rect>");
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Label + Scale(m.Min):0.#}\" x2=\"{Label + Scale(m.Max):0.#}\" y1=\"{y + 11}\" y2=\"{y + 11}\" stroke=\"#111\" stroke-width=\"1.5\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Label + Scale(m.Max) + 6:0.#}\" y=\"{y + 15}\" font-size=\"11\">{Fmt(m.Median)} {Escape(m.Unit)}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"8\" y=\"{height - 6}\" font-size=\"11\" fill=\"#555\">{(log ? "log scale; " : string.Empty)}bar = median, line = min–max; blue = process, red = thread, green = async</text>");
        return End(svg);
    }

    /// <summary>One line per series over X (message size or workers), medians as points; log axes when the range is wide.</summary>
    public static string Lines(string title, IReadOnlyList<Measurement> measurements)
    {
        const int Left = 64;
        const int Top = 36;
        const int PlotHeight = 240;
        int plotWidth = Width - Left - 20;
        string[] names = [.. measurements.Select(m => m.Series).Distinct()];
        int height = Top + PlotHeight + 40 + names.Length * 18;
        double xMin = measurements.Min(m => m.X!.Value);
        double xMax = measurements.Max(m => m.X!.Value);
        double yMax = measurements.Max(m => m.Median);
        double lowest = measurements.Min(m => m.Median);
        double yMin = Math.Max(lowest, yMax / 1e7);
        // A log axis also takes a zero (an empty working set): it sits one decade left of the smallest positive x.
        double[] positive = [.. measurements.Select(m => m.X!.Value).Where(x => x > 0)];
        bool logX = xMin >= 0 && positive.Length > 0 && xMax / positive.Min() > 10;
        double Position(double v) => !logX ? v : v <= 0 ? Math.Log10(positive.Min()) - 1 : Math.Log10(v);
        // A difference can come out at zero or below (a switch with a working set, after the touching is taken off):
        // then the axis is linear and reaches down to it.
        bool logY = lowest > 0 && yMax / yMin > 50;
        double floor = Math.Min(0, lowest);
        double X(double v) => Left + (xMax == xMin ? 0.5 : (Position(v) - Position(xMin)) / (Position(xMax) - Position(xMin))) * plotWidth;
        double Y(double v) => Top + PlotHeight - (logY
            ? (Math.Log10(Math.Max(v, yMin)) - Math.Log10(yMin)) / Math.Max(Math.Log10(yMax) - Math.Log10(yMin), 1e-9)
            : (v - floor) / Math.Max(yMax - floor, 1e-9)) * PlotHeight;
        var svg = Begin(title, height);
        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotWidth}\" height=\"{PlotHeight}\" fill=\"none\" stroke=\"#bbb\"/>");
        foreach (double x in measurements.Select(m => m.X!.Value).Distinct())
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(x):0.#}\" y=\"{Top + PlotHeight + 14}\" text-anchor=\"middle\" font-size=\"10\">{Escape(XLabel(x, measurements[0].XUnit))}</text>");
        }

        double[] ticks = logY ? [yMin, Math.Sqrt(yMin * yMax), yMax] : [floor, 0, (floor + yMax) / 2, yMax];
        foreach (double y in ticks.Distinct())
        {
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 4}\" y=\"{Y(y) + 4:0.#}\" text-anchor=\"end\" font-size=\"10\">{Fmt(y)}</text>");
        }

        for (int i = 0; i < names.Length; i++)
        {
            string color = Palette[i % Palette.Length];
            string dash = measurements.First(m => m.Series == names[i]).Subject == Subject.Thread ? " stroke-dasharray=\"5 3\"" : string.Empty;
            Measurement[] points = [.. measurements.Where(m => m.Series == names[i]).OrderBy(m => m.X)];
            string path = string.Join(" ", points.Select(p => $"{X(p.X!.Value):0.#},{Y(p.Median):0.#}"));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline points=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>");
            foreach (Measurement p in points)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{X(p.X!.Value):0.#}\" cy=\"{Y(p.Median):0.#}\" r=\"3\" fill=\"{color}\"><title>{Escape($"{p.Series} at {XLabel(p.X!.Value, p.XUnit)}: median {Fmt(p.Median)} {p.Unit} (min {Fmt(p.Min)}, max {Fmt(p.Max)})")}</title></circle>");
            }

            double ly = Top + PlotHeight + 34 + i * 18;
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{Left}\" x2=\"{Left + 24}\" y1=\"{ly - 4}\" y2=\"{ly - 4}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 30}\" y=\"{ly}\" font-size=\"12\">{Escape(names[i])}</text>");
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"{Top - 6}\" font-size=\"11\" fill=\"#555\">{Escape(measurements[0].Unit)}{(logY ? " (log)" : string.Empty)} vs {Escape(measurements[0].XUnit ?? "x")}{(logX ? " (log)" : string.Empty)}; dashed = threads</text>");
        return End(svg);
    }

    public static string Fmt(double value) => Math.Abs(value) switch
    {
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.#", CultureInfo.InvariantCulture),
        _ => value.ToString("0.###", CultureInfo.InvariantCulture),
    };

    /// <summary>An x value as its unit reads best: sizes in B/KiB/MiB, counts as numbers.</summary>
    public static string XLabel(double x, string? unit) =>
        unit is not null && unit.StartsWith("bytes", StringComparison.Ordinal) ? (x == 0 ? "0 B" : Experiments.CommunicationExperiment.Bytes((int)x)) : Fmt(x);

    private static string ColorOf(Subject subject) => subject switch
    {
        Subject.Process => "#2563eb",
        Subject.Thread => "#dc2626",
        _ => "#16a34a",
    };

    private static StringBuilder Begin(string title, int height)
    {
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height}\" role=\"img\" aria-label=\"{Escape(title)}\">");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"8\" y=\"18\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>");
        return svg;
    }

    private static string End(StringBuilder svg) => svg.Append("</svg>").ToString();

    private static string Shorten(string text, int length) => text.Length <= length ? text : string.Concat(text.AsSpan(0, length - 1), "…");

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
