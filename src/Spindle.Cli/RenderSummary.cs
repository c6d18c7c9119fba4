using Spectre.Console;
using Spindle;
using Spindle.Pools;
using Spindle.Render;

namespace Spindle.Cli;

/// <summary>The table printed after a render: what was made, how fast, by whom, and where it went.</summary>
internal static class RenderSummary
{
    public static void Print(RenderResult result, int workers, IReadOnlyList<(string What, string Path)> written, string mp4Note)
    {
        RenderSettings s = result.Settings;
        var table = new Table().Border(TableBorder.Rounded).HideHeaders().AddColumn("what").AddColumn("value");
        table.AddRow("frames", $"{s.Frames} × {s.Width}x{s.Height}, scene {s.Scene}");
        table.AddRow("time", $"{result.Elapsed.TotalSeconds:0.00} s ({s.Frames / result.Elapsed.TotalSeconds:0.0} frames/s)");
        if (result.Frames.Any(f => f.Agent is not null))
        {
            // Pids of different machines may be equal: a worker is its agent and its pid.
            var perAgentWorker = result.Frames.GroupBy(f => (f.Agent, f.WorkerId)).OrderBy(g => g.Key.Agent, StringComparer.Ordinal).ThenBy(g => g.Key.WorkerId);
            int agents = result.Frames.Select(f => f.Agent).Distinct().Count();
            table.AddRow("agents", Markup.Escape($"{agents} agent{(agents == 1 ? string.Empty : "s")}, {workers} frames in flight — {string.Join(", ", perAgentWorker.Select(g => $"{g.Key.Agent} pid {g.Key.WorkerId}: {g.Count()}"))}"));
        }
        else
        {
            string unit = result.Isolation == Isolation.Process ? "pid" : "thread";
            string perWorker = string.Join(", ", result.FramesPerWorker.Select(w => $"{unit} {w.Key}: {w.Value}"));
            table.AddRow("workers", Markup.Escape($"{workers} {(result.Isolation == Isolation.Process ? "processes" : "threads")} — {perWorker}"));
        }

        table.AddRow("crashes survived", result.CrashesSurvived.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach ((string what, string path) in written)
        {
            table.AddRow(Markup.Escape(what), Markup.Escape($"{path} ({Size(path)})"));
        }

        if (mp4Note.Length > 0)
        {
            table.AddRow("MP4", Markup.Escape(mp4Note));
        }

        AnsiConsole.Write(table);
    }

    /// <summary>
    /// A file's size, or a folder's (its frames): another run writing into the same folder stages files there that come
    /// and go (hidden names, skipped) and may replace a frame while it is measured, which counts as nothing, not as a crash.
    /// </summary>
    private static string Size(string path)
    {
        long bytes = File.Exists(path) ? LengthOrZero(path)
            : Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.')).Sum(LengthOrZero);
        return bytes >= 1 << 20 ? $"{bytes / 1048576.0:0.0} MiB" : $"{bytes / 1024.0:0.0} KiB";
    }

    private static long LengthOrZero(string file)
    {
        try
        {
            return new FileInfo(file).Length;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }
}
