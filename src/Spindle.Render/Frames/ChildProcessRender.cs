using System.Runtime.CompilerServices;
using Spindle;
using Spindle.Pools;
using Spindle.Processes;

namespace Spindle.Render.Frames;

/// <summary>
/// A thread-isolated render inside one child process, for a run that is meant to crash: the crash ends the child,
/// not the caller. Finished frames come back as files, so the parent sees progress and what was done before the death.
/// </summary>
internal static class ChildProcessRender
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<RenderedFrame[]> RunAsync(RenderSettings settings, int workers, string runDirectory, Action<RenderedFrame> frameDone, CancellationToken cancellationToken)
    {
        string framesDirectory = Path.Combine(runDirectory, "frames");
        Directory.CreateDirectory(framesDirectory);
        var frames = new RenderedFrame?[settings.Frames];
        var child = new WorkerProcess(new Action<RenderSettings, int, string>(RenderInChild), settings, workers, runDirectory);
        await using ConfiguredAsyncDisposable ownedChild = child.ConfigureAwait(false);
        child.Start();
        Task exited = child.JoinAsync(cancellationToken);
        while (!exited.IsCompleted)
        {
            await Task.WhenAny(exited, Task.Delay(PollInterval, cancellationToken)).ConfigureAwait(false);
            Collect(framesDirectory, frames, frameDone);
        }

        await exited.ConfigureAwait(false);
        int done = Collect(framesDirectory, frames, frameDone);
        if (child.Exit is { } exit && (exit.Signal is not null || (child.Exception is WorkerCrashedException)))
        {
            throw new RenderRunDiedException(exit, done, settings.Frames);
        }

        if (child.Exception is { } thrown)
        {
            throw thrown;
        }

        if (done != settings.Frames)
        {
            throw new InvalidOperationException($"The render's child process ended normally after {done} of {settings.Frames} frames.");
        }

        return frames!;
    }

    /// <summary>Runs in the child process: renders on worker threads, writing each finished frame to a file.</summary>
    private static void RenderInChild(RenderSettings settings, int workers, string runDirectory)
    {
        string framesDirectory = Path.Combine(runDirectory, "frames");
        var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Thread, Workers = workers, Name = "spindle-render-child" });
        try
        {
            FrameScheduler.RenderAsync(pool, settings, runDirectory, workersOnOtherMachines: false, new byte[settings.Frames][], store: null, frame => FrameFile.Write(framesDirectory, frame), CancellationToken.None).GetAwaiter().GetResult();
        }
        finally
        {
            pool.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Reads frames that appeared since the last look; returns how many frames are known now.</summary>
    private static int Collect(string framesDirectory, RenderedFrame?[] frames, Action<RenderedFrame> frameDone)
    {
        foreach (string path in Directory.EnumerateFiles(framesDirectory, "*" + FrameFile.Extension))
        {
            if (FrameFile.TryParseName(path, out int index, out int worker, out int attempt) && index < frames.Length && frames[index] is null)
            {
                byte[] rgba = File.ReadAllBytes(path);
                var frame = new RenderedFrame(index, rgba, FrameScheduler.Hash(rgba), worker, attempt);
                frames[index] = frame;
                frameDone(frame);
            }
        }

        return frames.Count(f => f is not null);
    }
}
