using Spindle.Render;
using Spindle.Render.Png;
using Spindle.Render.Video;

namespace Spindle.Cli;

/// <summary>Where a render's files go, checked to be writable before any rendering starts.</summary>
internal sealed class RenderOutput
{
    private RenderOutput(string animationPath, string? framesDirectory, string? ffmpeg)
    {
        AnimationPath = animationPath;
        FramesDirectory = framesDirectory;
        Ffmpeg = ffmpeg;
        Mp4Path = Path.ChangeExtension(animationPath, ".mp4");
    }

    public string AnimationPath { get; }

    public string? FramesDirectory { get; }

    public string? Ffmpeg { get; }

    public string Mp4Path { get; }

    /// <summary>What happened to the MP4, once written.</summary>
    public string Mp4Note { get; private set; } = string.Empty;

    /// <summary>A path ending in .png is the animation's file; anything else is a directory for animation.png and the rest.</summary>
    public static RenderOutput Prepare(string output, bool framesPng)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            throw new ArgumentException("the path is empty");
        }

        string full = Path.GetFullPath(output);
        bool isFile = full.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
        string directory = isFile ? Path.GetDirectoryName(full)! : full;
        string animation = isFile ? full : Path.Combine(full, "animation.png");
        Directory.CreateDirectory(directory);
        ProbeWritable(animation);
        string? frames = null;
        if (framesPng)
        {
            frames = isFile ? Path.Combine(directory, Path.GetFileNameWithoutExtension(full) + "-frames") : Path.Combine(directory, "frames");
            Directory.CreateDirectory(frames);
            ProbeWritable(Path.Combine(frames, "frame-0000.png"));
        }

        return new RenderOutput(animation, frames, FfmpegExport.FindFfmpeg());
    }

    public async Task<IReadOnlyList<(string What, string Path)>> WriteAsync(RenderResult result, CancellationToken cancellationToken)
    {
        var written = new List<(string, string)>();
        await File.WriteAllBytesAsync(AnimationPath, result.Apng, cancellationToken);
        written.Add(("animated PNG", AnimationPath));
        if (FramesDirectory is not null)
        {
            foreach (RenderedFrame frame in result.Frames)
            {
                byte[] png = ApngEncoder.EncodePng(frame.Rgba, result.Settings.Width, result.Settings.Height);
                await File.WriteAllBytesAsync(Path.Combine(FramesDirectory, $"frame-{frame.Index:D4}.png"), png, cancellationToken);
            }

            written.Add(($"{result.Frames.Count} PNG frames", FramesDirectory));
        }

        if (Ffmpeg is null)
        {
            Mp4Note = "skipped: ffmpeg is not on the PATH";
        }
        else
        {
            try
            {
                await FfmpegExport.WriteMp4Async(Ffmpeg, result, Mp4Path, cancellationToken);
                written.Add(("MP4 (ffmpeg)", Mp4Path));
            }
            catch (InvalidOperationException e)
            {
                Mp4Note = $"failed: {e.Message}";
            }
        }

        return written;
    }

    /// <summary>Opens the file for writing (creating it if needed) so an unwritable path fails now, not after the render.</summary>
    private static void ProbeWritable(string path)
    {
        bool existed = File.Exists(path);
        using (new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite))
        {
        }

        if (!existed)
        {
            File.Delete(path);
        }
    }
}
