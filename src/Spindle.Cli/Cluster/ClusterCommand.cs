using System.CommandLine;
using System.Runtime.InteropServices;
using Spindle.Cli.Output;
using Spindle.Render;

namespace Spindle.Cli.Cluster;

/// <summary>
/// <c>spindle cluster demo</c>: a cluster on this machine, start to finish. Starts nats-server on a loopback port,
/// N <c>spindle agent</c>s, renders the seeds' animation across them (each frame's line says which agent and worker
/// rendered it), and stops everything on the way out, Ctrl+C included.
/// </summary>
internal static class ClusterCommand
{
    private static readonly TimeSpan RenderStopTimeout = TimeSpan.FromSeconds(15);

    public static Command Create()
    {
        var defaults = new RenderSettings();
        var agents = CliOptions.Ranged("--agents", "spindle agent processes to start.", 2, 1, 16);
        var workers = CliOptions.Ranged("--workers", "Worker processes per agent.", 1, 1, 64);
        var frames = CliOptions.Ranged("--frames", "Frames in the animation.", defaults.Frames, 1, RenderSettings.MaxFrames);
        var width = CliOptions.Ranged("--width", "Frame width in pixels.", defaults.Width, RenderSettings.MinSize, RenderSettings.MaxSize);
        var height = CliOptions.Ranged("--height", "Frame height in pixels.", defaults.Height, RenderSettings.MinSize, RenderSettings.MaxSize);
        var port = CliOptions.Ranged("--port", "The nats-server's port on 127.0.0.1; 0 for any free port.", 0, 0, 65535);
        var scene = CliOptions.Choice("--scene", "spheres (a ray tracer) or mandelbrot (a fractal zoom).", defaults.Scene, RenderSettings.Scenes);
        var crashFrame = CliOptions.OptionalWholeNumber("--crash-frame", "Crash the worker rendering frame K (0-based) with a real segfault, once: any agent renders it again.");
        var output = new Option<string>("--out") { Description = "A directory for animation.png (and MP4), or a .png file name.", DefaultValueFactory = _ => "spindle-cluster-demo" };
        var demo = new Command("demo", "Start nats-server and N spindle agents on this machine, render the animation across them, then stop them all.")
        {
            agents, workers, frames, width, height, port, scene, crashFrame, output,
        };
        demo.Validators.Add(r =>
        {
            int? k;
            int count;
            try
            {
                k = r.GetValue(crashFrame);
                count = r.GetValue(frames);
            }
            catch (InvalidOperationException)
            {
                // Not a number: the option's parser reports that itself, naming it.
                return;
            }

            if (k is { } index && (index < 0 || index >= count))
            {
                r.AddError($"--crash-frame must be a frame index from 0 to {count - 1} (--frames is {count}); got {index}.");
            }
        });
        demo.SetAction((parse, cancellationToken) =>
        {
            RenderSettings settings;
            try
            {
                settings = new RenderSettings
                {
                    Frames = parse.GetValue(frames),
                    Width = parse.GetValue(width),
                    Height = parse.GetValue(height),
                    Scene = parse.GetValue(scene)!,
                    CrashFrame = parse.GetValue(crashFrame),
                };
                settings.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                return Task.FromResult(Usage($"{(e.ParamName == nameof(RenderSettings.CrashFrame) ? "--crash-frame" : "--frames")}: {e.Message.Split(" (Parameter")[0]}"));
            }

            return RunAsync(settings, parse.GetValue(agents), parse.GetValue(workers), parse.GetValue(port), parse.GetValue(output)!, cancellationToken);
        });
        return new Command("cluster", "A cluster of spindle agents on this machine.") { demo };
    }

    /// <summary>The <c>demo</c> command, so Program can leave Ctrl+C to it (its stop is bounded, and must finish).</summary>
    public static bool IsDemo(Command command) => command.Name == "demo" && command.Parents.OfType<Command>().Any(p => p.Name == "cluster");

    private static async Task<int> RunAsync(RenderSettings settings, int agents, int workers, int port, string output, CancellationToken invocationToken)
    {
        if (LocalNatsServer.Find(out string problem) is not { } natsServer)
        {
            Console.Error.WriteLine($"spindle cluster demo: {problem}");
            return ExitCodes.Failed;
        }

        if (port != 0 && !LocalNatsServer.IsFree(port))
        {
            return Usage($"--port {port} is in use on 127.0.0.1: choose another, or 0 for any free port.");
        }

        // Checked before anything is started: a bad --out must not cost a server's and agents' start and stop.
        if (!RenderOutput.TryPrepare(output, framesPng: false, settings.Frames, out RenderOutput? files, out string? refused))
        {
            return Usage(RenderCommand.OutputRefused(output, refused));
        }

        // Ctrl+C, SIGTERM and a hangup stop the demo, and the demo stops what it started: the render, the agents, the
        // server (which runs in a session of its own, out of reach of the terminal's signals: see LocalNatsServer).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        var interrupted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using PosixSignalRegistration sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Cancel);
        var log = (string line) =>
        {
            try
            {
                Console.WriteLine($"[demo] {line}");
            }
            catch (IOException)
            {
                // The terminal is gone (a hangup): the demo still stops everything it started.
            }
        };
        DemoCluster cluster;
        try
        {
            cluster = await DemoCluster.StartAsync(natsServer, port == 0 ? LocalNatsServer.FreePort() : port, agents, workers, log, stop.Token);
        }
        catch (SpindleException e)
        {
            files.RemoveCreatedDirectories();
            Console.Error.WriteLine($"spindle cluster demo: {e.Message}");
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            files.RemoveCreatedDirectories();
            Console.Error.WriteLine("spindle cluster demo: interrupted while starting; everything it started is stopped.");
            return ExitCodes.Interrupted;
        }

        int exitCode;
        await using (cluster)
        {
            Task<int> render = RenderCommand.RunAsync(settings, new FarmPlan(null, cluster.Target, null), files, stop.Token, handleSignals: false);
            exitCode = await WaitForRenderAsync(render, interrupted.Task, log);
            log("stopping the agents and nats-server");
        }

        log("stopped: no agent, worker or server is left running");
        return exitCode;

        void Cancel(PosixSignalContext context)
        {
            // The stop's callbacks (the render's frames being cancelled) run off the signal's thread: should one of
            // them block, the interrupt is still seen, and the demo still stops what it started.
            context.Cancel = true;
            interrupted.TrySetResult();
            _ = Task.Run(() => SignalCancel.Cancel(stop));
        }
    }

    /// <summary>
    /// The render's exit code; once interrupted, the render has <see cref="RenderStopTimeout"/> to end. A pool whose
    /// server is gone (killed from outside: the demo's own Ctrl+C no longer reaches it) may not see its cancelled
    /// frames end; the demo must still stop the agents it started and exit.
    /// </summary>
    private static async Task<int> WaitForRenderAsync(Task<int> render, Task interrupted, Action<string> log)
    {
        if (await Task.WhenAny(render, interrupted) == render || await Task.WhenAny(render, Task.Delay(RenderStopTimeout)) == render)
        {
            return await render;
        }

        log($"the render did not end within {RenderStopTimeout.TotalSeconds:0} s of the interrupt (is nats-server gone?); stopping the agents anyway");
        return ExitCodes.Interrupted;
    }

    private static int Usage(string message)
    {
        Console.Error.WriteLine($"spindle cluster demo: {message}");
        return ExitCodes.Usage;
    }
}
