using System.CommandLine;
using System.Runtime.InteropServices;
using Spectre.Console;
using Spindle;
using Spindle.Cli.Cluster;
using Spindle.Cli.Output;
using Spindle.Pools;
using Spindle.Render;

namespace Spindle.Cli;

/// <summary>
/// <c>spindle render</c>: the render farm. Renders an animation with one call per frame on a worker pool, shows
/// progress, and writes an animated PNG (plus PNG frames and MP4 on request or when ffmpeg is present). With
/// <c>--cluster</c> the frames run on a cluster's agents (<see cref="ClusterFarm"/>) and each frame's line says where.
/// </summary>
internal static class RenderCommand
{
    /// <summary>The most workers a render may ask for; the default, one per core, stays under it on any machine.</summary>
    private const int MaxWorkers = 256;

    /// <summary>What a frame keeps per pixel until the animation is written (RGBA).</summary>
    private const long BytesPerPixel = 4;

    /// <summary>Frames x width x height, or 0 while one of them is not a number (it has its own error; reading it throws).</summary>
    private static long PixelsOrZero(System.CommandLine.Parsing.CommandResult result, Option<int> frames, Option<int> width, Option<int> height)
    {
        try
        {
            return (long)result.GetValue(frames) * result.GetValue(width) * result.GetValue(height);
        }
        catch (InvalidOperationException)
        {
            return 0;
        }
    }

    private static string Gib(long bytes) => $"{bytes / (double)(1L << 30):0.#} GiB";

    public static Command Create()
    {
        var defaults = new RenderSettings();
        var frames = CliOptions.Ranged("--frames", "Frames in the animation.", defaults.Frames, 1, RenderSettings.MaxFrames);
        var width = CliOptions.Ranged("--width", "Frame width in pixels.", defaults.Width, RenderSettings.MinSize, RenderSettings.MaxSize);
        var height = CliOptions.Ranged("--height", "Frame height in pixels.", defaults.Height, RenderSettings.MinSize, RenderSettings.MaxSize);
        var fps = CliOptions.Ranged("--fps", "Playback frames per second.", defaults.FramesPerSecond, 1, 120);
        var workers = CliOptions.Ranged("--workers", "Workers rendering at once (with --cluster: frames kept in the cluster at once, by default twice the agents' workers).", Math.Min(Environment.ProcessorCount, MaxWorkers), 1, MaxWorkers);
        var isolation = CliOptions.Choice("--isolation", "Render in worker processes or on worker threads.", "process", ["process", "thread"]);
        var scene = CliOptions.Choice("--scene", "spheres (a ray tracer) or mandelbrot (a fractal zoom).", defaults.Scene, RenderSettings.Scenes);
        var output = new Option<string>("--out") { Description = "A directory for animation.png (and frames, MP4), or a .png file name.", DefaultValueFactory = _ => "spindle-render" };
        var framesPng = new Option<bool>("--frames-png") { Description = "Also write every frame as a PNG file." };
        var crashFrame = CliOptions.OptionalWholeNumber("--crash-frame", "Crash the worker rendering frame K (0-based) with a real segfault, once.");
        var cluster = ClusterCommandOptions.Create(serverRequired: false, serverOption: "--cluster", clusterNameOption: "--cluster-name");
        var command = new Command("render", "Render an animation on a farm of worker processes (or threads, or a cluster's agents) and write an animated PNG.")
        {
            frames, width, height, fps, workers, isolation, scene, output, framesPng, crashFrame,
        };
        cluster.AddTo(command);
        command.Validators.Add(r =>
        {
            bool onCluster = r.GetValue(cluster.Server) is not null;
            if (r.GetValue(isolation) == "thread" && r.GetResult(isolation) is { Implicit: false } && onCluster)
            {
                r.AddError("--isolation thread cannot be combined with --cluster: a cluster's agents render in worker processes.");
            }

            // Every frame's pixels stay in memory until the animation is written: a render that cannot fit is refused
            // now, not after hours, when it runs out of memory.
            long pixels = PixelsOrZero(r, frames, width, height);
            long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
            if (pixels * BytesPerPixel > available / 4 * 3)
            {
                r.AddError($"--frames {r.GetValue(frames)} of --width {r.GetValue(width)} x --height {r.GetValue(height)} keep {Gib(pixels * BytesPerPixel)} of pixels " +
                    $"in memory until the animation is written, and this process may use {Gib(available)}: render fewer or smaller frames.");
            }

            // The cluster's other options mean nothing without it: say so rather than render locally as if unsaid.
            if (!onCluster && cluster.NeedingServer.FirstOrDefault(o => r.GetResult(o) is { Implicit: false }) is { } given)
            {
                r.AddError($"{given.Name} needs --cluster (the cluster's NATS server).");
            }
        });
        command.SetAction((parse, cancellationToken) =>
        {
            int count = parse.GetValue(frames);
            if (parse.GetValue(crashFrame) is { } k && (k < 0 || k >= count))
            {
                return Task.FromResult(Usage($"--crash-frame must be a frame index from 0 to {count - 1} (--frames is {count}); got {k}."));
            }

            RenderSettings settings;
            try
            {
                settings = new RenderSettings
                {
                    Frames = count,
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
                return Task.FromResult(Usage($"{OptionFor(e.ParamName)}: {FirstLine(e.Message)}"));
            }

            var poolOptions = new WorkerPoolOptions
            {
                Isolation = parse.GetValue(isolation) == "thread" ? Isolation.Thread : Isolation.Process,
                Workers = parse.GetValue(workers),
                Name = "spindle-render",
            };
            FarmPlan plan = cluster.HasServer(parse)
                ? new FarmPlan(null, cluster.ToClusterOptions(parse), parse.GetResult(workers) is { Implicit: false } ? poolOptions.Workers : null)
                : new FarmPlan(poolOptions, null, null);
            string outputPath = parse.GetValue(output)!;
            return RenderOutput.TryPrepare(outputPath, parse.GetValue(framesPng), settings.Frames, out RenderOutput? files, out string? problem)
                ? RunAsync(settings, plan, files, cancellationToken)
                : Task.FromResult(Usage(OutputRefused(outputPath, problem)));
        });
        return command;
    }

    /// <summary>
    /// Renders on the farm <paramref name="plan"/> names, shows progress (with a cluster: where each frame ran), and
    /// writes the <paramref name="files"/>; on any failure, removes the folders made for them. Also the render of
    /// <c>spindle cluster demo</c>, which handles the signals itself (<paramref name="handleSignals"/> false: only the
    /// latest registration for a signal sees it).
    /// </summary>
    public static async Task<int> RunAsync(RenderSettings settings, FarmPlan plan, RenderOutput files, CancellationToken invocationToken, bool handleSignals = true)
    {
        // Ctrl+C (and SIGTERM) cancel the render: frames stop within a row, workers are stopped, nothing is written
        // (while the files are being written: ffmpeg is killed and the files are removed, RenderOutput).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using PosixSignalRegistration? sigint = handleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel) : null;
        using PosixSignalRegistration? sigterm = handleSignals ? PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel) : null;
        int exitCode = ExitCodes.Failed;
        try
        {
            exitCode = await RenderAndWriteAsync(settings, plan, files, stop.Token);
            return exitCode;
        }
        finally
        {
            if (exitCode != 0)
            {
                files.RemoveCreatedDirectories();
            }
        }

        void Cancel(PosixSignalContext context)
        {
            // Off the signal's thread: cancelling runs the frames' callbacks, which must not hold up other handlers.
            context.Cancel = true;
            _ = Task.Run(() => SignalCancel.Cancel(stop));
        }
    }

    /// <summary>The message for an --out that <see cref="RenderOutput.TryPrepare"/> refused.</summary>
    public static string OutputRefused(string output, string problem) => $"--out: cannot write to '{output}': {problem}";

    private static async Task<int> RenderAndWriteAsync(RenderSettings settings, FarmPlan plan, RenderOutput files, CancellationToken cancellationToken)
    {
        RenderFarm farm;
        string where;
        if (plan.Cluster is { } target)
        {
            ClusterFarm cluster;
            try
            {
                cluster = await ClusterFarm.OpenAsync(target, plan.FramesInFlight, cancellationToken);
            }
            catch (SpindleException e)
            {
                Console.Error.WriteLine($"spindle render: {e.Message}");
                return ExitCodes.Failed;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Cancelled();
            }

            farm = cluster.Farm;
            string agents = string.Join(", ", cluster.Agents.Select(a => $"{a.Name} on {a.Host}: {a.Workers} worker{(a.Workers == 1 ? string.Empty : "s")}"));
            where = $"cluster '{target.ClusterName}' at {Spindle.Cluster.Nats.ServerAddress.Redacted(target.Server)}, {cluster.Agents.Count} agent{(cluster.Agents.Count == 1 ? string.Empty : "s")} " +
                $"({agents}), up to {cluster.FramesInFlight} frames in flight" +
                (settings.CrashFrame is { } k ? $"; frame {k} segfaults its worker on the first attempt, and is rendered again by any agent" : string.Empty);
        }
        else
        {
            WorkerPoolOptions poolOptions = plan.Local!;
            farm = new RenderFarm(poolOptions);
            where = $"{poolOptions.Workers} worker {(poolOptions.Isolation == Isolation.Process ? "processes" : "threads")}" +
                (settings.CrashFrame is not { } k ? string.Empty
                    : poolOptions.Isolation == Isolation.Process ? $"; frame {k} segfaults its worker on the first attempt"
                    : $"; frame {k} segfaults, which ends a thread-isolated run (it runs in a child process to show that)");
        }

        await using (farm)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"Rendering {settings.Frames} frames of {settings.Scene} at {settings.Width}x{settings.Height} on {where}."));
            RenderResult result;
            try
            {
                result = await RenderProgressView.RunAsync(progress => farm.RenderAsync(settings, progress, cancellationToken), settings.Frames, eachFrame: plan.Cluster is not null);
            }
            catch (RenderRunDiedException died)
            {
                AnsiConsole.MarkupLine($"[red]{Markup.Escape(died.Message)}[/]");
                return ExitCodes.RunDied;
            }
            catch (WorkerCrashedException crashed)
            {
                Console.Error.WriteLine($"spindle render: a frame's worker crashed more often than it may be retried: {crashed.Message}");
                return ExitCodes.Failed;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Cancelled();
            }

            IReadOnlyList<(string What, string Path)> written;
            try
            {
                // Writing a long render's frames and MP4 takes a while: a cancel here kills ffmpeg and removes what was written.
                written = await files.WriteAsync(result, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return Cancelled();
            }
            catch (OutputWriteException e)
            {
                // Like an --out refused before rendering: the output could not be written, and nothing of it was.
                Console.Error.WriteLine($"spindle render: {e.Message}");
                return ExitCodes.Usage;
            }

            RenderSummary.Print(result, farm.Pool.MaxWorkers, written, files.Mp4Note);
            return 0;
        }

        static int Cancelled()
        {
            Console.Error.WriteLine("spindle render: cancelled; nothing was written.");
            return ExitCodes.Interrupted;
        }
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

    /// <summary>Bad input: says what is wrong on stderr, naming the option, and exits with the usage code.</summary>
    private static int Usage(string message)
    {
        Console.Error.WriteLine($"spindle render: {message}");
        return ExitCodes.Usage;
    }
}

/// <summary>Where a render runs: a local pool (<paramref name="Local"/>) or a cluster's agents (<paramref name="Cluster"/>).</summary>
/// <param name="Local">The local pool's options; null on a cluster.</param>
/// <param name="Cluster">The cluster; null for a local pool.</param>
/// <param name="FramesInFlight">With a cluster, frames kept in it at once; null for twice its agents' workers.</param>
internal sealed record FarmPlan(WorkerPoolOptions? Local, ClusterOptions? Cluster, int? FramesInFlight);
