using System.CommandLine;
using Spectre.Console;
using Spindle.Pools;
using Spindle.Render;
using Spindle.Workers;

namespace Spindle.Cli;

/// <summary>
/// <c>spindle render</c>: the render farm. Renders an animation with one call per frame on a worker pool, shows
/// progress, and writes an animated PNG (plus PNG frames and MP4 on request or when ffmpeg is present).
/// </summary>
internal static class RenderCommand
{
    public static Command Create()
    {
        var defaults = new RenderSettings();
        var frames = RangedOption("--frames", "Frames in the animation.", defaults.Frames, 1, RenderSettings.MaxFrames);
        var width = RangedOption("--width", "Frame width in pixels.", defaults.Width, RenderSettings.MinSize, RenderSettings.MaxSize);
        var height = RangedOption("--height", "Frame height in pixels.", defaults.Height, RenderSettings.MinSize, RenderSettings.MaxSize);
        var fps = RangedOption("--fps", "Playback frames per second.", defaults.FramesPerSecond, 1, 120);
        var workers = RangedOption("--workers", "Workers rendering at once.", Environment.ProcessorCount, 1, 256);
        var isolation = new Option<string>("--isolation") { Description = "Render in worker processes or on worker threads.", DefaultValueFactory = _ => "process" };
        isolation.AcceptOnlyFromAmong("process", "thread");
        var scene = new Option<string>("--scene") { Description = "spheres (a ray tracer) or mandelbrot (a fractal zoom).", DefaultValueFactory = _ => defaults.Scene };
        scene.AcceptOnlyFromAmong([.. RenderSettings.Scenes]);
        var output = new Option<string>("--out") { Description = "A directory for animation.png (and frames, MP4), or a .png file name.", DefaultValueFactory = _ => "spindle-render" };
        var framesPng = new Option<bool>("--frames-png") { Description = "Also write every frame as a PNG file." };
        var crashFrame = new Option<int?>("--crash-frame") { Description = "Crash the worker rendering frame K (0-based) with a real segfault, once." };
        var command = new Command("render", "Render an animation on a farm of worker processes (or threads) and write an animated PNG.")
        {
            frames, width, height, fps, workers, isolation, scene, output, framesPng, crashFrame,
        };
        command.Validators.Add(result =>
        {
            int? crash = result.GetValue(crashFrame);
            int count = result.GetValue(frames);
            if (crash is { } k && (k < 0 || k >= count))
            {
                result.AddError($"--crash-frame must be a frame index from 0 to {count - 1} (--frames is {count}); got {k}.");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            RenderSettings settings;
            try
            {
                settings = new RenderSettings
                {
                    Frames = parse.GetValue(frames),
                    Width = parse.GetValue(width),
                    Height = parse.GetValue(height),
                    FramesPerSecond = parse.GetValue(fps),
                    Scene = parse.GetValue(scene)!,
                    CrashFrame = parse.GetValue(crashFrame),
                };
                settings.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                return Task.FromResult(Fail($"{OptionFor(e.ParamName)}: {FirstLine(e.Message)}"));
            }

            var poolOptions = new WorkerPoolOptions
            {
                Isolation = parse.GetValue(isolation) == "thread" ? Isolation.Thread : Isolation.Process,
                Workers = parse.GetValue(workers),
                Name = "spindle-render",
            };
            return RunAsync(settings, poolOptions, parse.GetValue(output)!, parse.GetValue(framesPng), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(RenderSettings settings, WorkerPoolOptions poolOptions, string output, bool framesPng, CancellationToken cancellationToken)
    {
        RenderOutput files;
        try
        {
            files = RenderOutput.Prepare(output, framesPng);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Fail($"--out: cannot write to '{output}': {e.Message}");
        }

        AnsiConsole.MarkupLine(
            $"Rendering [bold]{settings.Frames}[/] frames of [bold]{settings.Scene}[/] at {settings.Width}x{settings.Height} " +
            $"on {poolOptions.Workers} worker {(poolOptions.Isolation == Isolation.Process ? "processes" : "threads")}" +
            (settings.CrashFrame is { } k ? $"; frame {k} will crash its worker (segfault)" : string.Empty));
        await using var farm = new RenderFarm(poolOptions);
        RenderResult result;
        try
        {
            result = await RenderWithProgressAsync(farm, settings, cancellationToken);
        }
        catch (RenderRunDiedException died)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(died.Message)}[/]");
            return 3;
        }
        catch (WorkerCrashedException crashed)
        {
            return Fail($"a frame's worker crashed more often than it may be retried: {crashed.Message}");
        }

        IReadOnlyList<(string What, string Path)> written = await files.WriteAsync(result, cancellationToken);
        RenderSummary.Print(result, poolOptions.Workers, written, files.Mp4Note);
        return 0;
    }

    private static async Task<RenderResult> RenderWithProgressAsync(RenderFarm farm, RenderSettings settings, CancellationToken cancellationToken)
    {
        RenderResult? result = null;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("starting workers", maxValue: settings.Frames);
                var progress = new InlineProgress<RenderProgress>(p =>
                {
                    task.Value = p.FramesDone;
                    string eta = p.Eta is { } left ? $"{left.TotalSeconds:0}s left" : "…";
                    string crashes = p.CrashesSurvived > 0 ? $" · {p.CrashesSurvived} crash(es) survived" : string.Empty;
                    task.Description = $"{p.FramesDone}/{p.FramesTotal} frames · {p.FramesPerSecond:0.0} frames/s · {eta}{crashes}";
                });
                result = await farm.RenderAsync(settings, progress, cancellationToken);
            });
        return result!;
    }

    private static Option<int> RangedOption(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = $"{description} {min} to {max}; default {defaultValue}.", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            int value = r.GetValueOrDefault<int>();
            if (value < min || value > max)
            {
                r.AddError($"{name} must be between {min} and {max}; got {value}.");
            }
        });
        return option;
    }

    private static string OptionFor(string? property) => property switch
    {
        nameof(RenderSettings.Frames) => "--frames",
        nameof(RenderSettings.Width) => "--width",
        nameof(RenderSettings.Height) => "--height",
        nameof(RenderSettings.CrashFrame) => "--crash-frame",
        nameof(RenderSettings.FramesPerSecond) => "--fps",
        nameof(RenderSettings.Scene) => "--scene",
        _ => property ?? "render",
    };

    private static string FirstLine(string message) => message.Split('\n')[0].Split(" (Parameter")[0];

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"spindle render: {message}");
        return 2;
    }

    /// <summary>Calls the handler on the reporting thread, in order (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class InlineProgress<T>(Action<T> handler) : IProgress<T>
    {
        public void Report(T value) => handler(value);
    }
}
