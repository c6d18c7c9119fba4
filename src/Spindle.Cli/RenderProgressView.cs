using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using Spindle.Render;

namespace Spindle.Cli;

/// <summary>
/// Shows a render's progress: a live bar with frames/s and ETA on a terminal, a line every tenth otherwise, or a line
/// per frame saying where it ran (a cluster's renders, whose frames travel between machines).
/// </summary>
internal static class RenderProgressView
{
    public static async Task<RenderResult> RunAsync(Func<IProgress<RenderProgress>, Task<RenderResult>> render, int frames, bool eachFrame = false)
    {
        if (eachFrame)
        {
            // Written whole, never wrapped to the console's width: one frame, one line.
            return await render(new InlineProgress(p => Console.WriteLine(FrameLine(p))));
        }

        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            int printedTenths = 0;
            return await render(new InlineProgress(p =>
            {
                int tenths = p.FramesDone * 10 / p.FramesTotal;
                if (tenths > printedTenths)
                {
                    printedTenths = tenths;
                    Console.WriteLine($"  {p.FramesDone}/{p.FramesTotal} frames · {Describe(p)}");
                }
            }));
        }

        var stats = new StatsColumn();
        RenderResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn { Width = 24 }, new PercentageColumn(), stats, new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask($"0/{frames} frames", maxValue: frames);
                result = await render(new InlineProgress(p =>
                {
                    stats.Text = Describe(p);
                    task.Description = $"{p.FramesDone}/{p.FramesTotal} frames";
                    task.Value = p.FramesDone;
                }));
            });
        return result!;
    }

    /// <summary><c>  frame 7 → agent-a pid 1234 · 8/48 frames · 12.0 frames/s · ETA 3 s</c>, and the attempt after a crash.</summary>
    private static string FrameLine(RenderProgress p)
    {
        RenderedFrame? frame = p.Frame;
        string where = frame is null ? string.Empty
            : $"frame {frame.Index} → {(frame.Agent is { } agent ? $"{agent} " : string.Empty)}pid {frame.WorkerId}" +
              (frame.Attempt switch { 1 => string.Empty, 2 => " (attempt 2: the first attempt's worker crashed)", int n => $" (attempt {n}: the earlier attempts' workers crashed)" }) + " · ";
        return $"  {where}{p.FramesDone}/{p.FramesTotal} frames · {Describe(p)}";
    }

    private static string Describe(RenderProgress p)
    {
        string eta = p.Eta is { } left ? $"ETA {left.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} s" : "ETA …";
        string crashes = p.CrashesSurvived switch
        {
            0 => string.Empty,
            1 => " · 1 crash survived",
            int n => $" · {n} crashes survived",
        };
        return $"{p.FramesPerSecond.ToString("0.0", CultureInfo.InvariantCulture)} frames/s · {eta}{crashes}";
    }

    /// <summary>Calls the handler on the reporting thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress(Action<RenderProgress> handler) : IProgress<RenderProgress>
    {
        public void Report(RenderProgress value) => handler(value);
    }

    /// <summary>Frames per second, ETA and crashes, as last reported.</summary>
    private sealed class StatsColumn : ProgressColumn
    {
        public volatile string Text = "starting workers…";

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Text(Text, new Style(Color.Grey));
    }
}
