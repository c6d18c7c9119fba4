using Spindle.Render;
using Spindle.Render.Png;
using Spindle.Render.Video;

namespace Spindle.Cli;

/// <summary>
/// Where a render's files go, checked to be writable before any rendering starts. Files are written under staged names
/// beside their own and moved into place only once every one is written: a cancelled or failed write leaves the folder
/// as it was, an earlier run's files included, never half a render.
/// </summary>
internal sealed class RenderOutput
{
    private readonly List<string> _createdDirectories;

    private RenderOutput(string animationPath, string? framesDirectory, string? ffmpeg, List<string> createdDirectories)
    {
        AnimationPath = animationPath;
        FramesDirectory = framesDirectory;
        Ffmpeg = ffmpeg;
        Mp4Path = Path.ChangeExtension(animationPath, ".mp4");
        _createdDirectories = createdDirectories;
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
        var created = new List<string>();
        CreateDirectory(directory, created);
        ProbeWritable(animation);
        string? frames = null;
        if (framesPng)
        {
            frames = isFile ? Path.Combine(directory, Path.GetFileNameWithoutExtension(full) + "-frames") : Path.Combine(directory, "frames");
            CreateDirectory(frames, created);
            ProbeWritable(Path.Combine(frames, "frame-0000.png"));
        }

        return new RenderOutput(animation, frames, FfmpegExport.FindFfmpeg(), created);
    }

    /// <summary>Writes the animation, the frames and the MP4, then moves them into place; on cancel or failure, none is.</summary>
    public async Task<IReadOnlyList<(string What, string Path)>> WriteAsync(RenderResult result, CancellationToken cancellationToken)
    {
        var written = new List<(string, string)>();
        var staged = new List<(string Staged, string Final)>();
        try
        {
            await File.WriteAllBytesAsync(Stage(AnimationPath, staged), result.Apng, cancellationToken);
            written.Add(("animated PNG", AnimationPath));
            if (FramesDirectory is not null)
            {
                foreach (RenderedFrame frame in result.Frames)
                {
                    byte[] png = ApngEncoder.EncodePng(frame.Rgba, result.Settings.Width, result.Settings.Height);
                    await File.WriteAllBytesAsync(Stage(Path.Combine(FramesDirectory, $"frame-{frame.Index:D4}.png"), staged), png, cancellationToken);
                }

                written.Add(($"{result.Frames.Count} PNG frames", FramesDirectory));
            }

            if (Ffmpeg is null)
            {
                Mp4Note = "skipped: ffmpeg is not on the PATH";
            }
            else
            {
                string mp4 = Stage(Mp4Path, staged);
                try
                {
                    await FfmpegExport.WriteMp4Async(Ffmpeg, result, mp4, cancellationToken);
                    written.Add(("MP4 (ffmpeg)", Mp4Path));
                }
                catch (InvalidOperationException e)
                {
                    Mp4Note = $"failed: {e.Message}";
                    staged.RemoveAt(staged.Count - 1);
                    File.Delete(mp4);
                }
            }

            // The last moment a cancel is heard: past it, the files are moved into place, all of them.
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch
        {
            foreach ((string path, _) in staged)
            {
                File.Delete(path);
            }

            throw;
        }

        foreach ((string path, string final) in staged)
        {
            File.Move(path, final, overwrite: true);
        }

        return written;
    }

    /// <summary>After a cancelled run: removes the folders <see cref="Prepare"/> made, when nothing else went into them.</summary>
    public void RemoveCreatedDirectories()
    {
        // Innermost first: the frames folder may be inside the output folder.
        foreach (string directory in Enumerable.Reverse(_createdDirectories))
        {
            if (Directory.Exists(directory) && !Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
    }

    /// <summary>The staged name of <paramref name="final"/>, noted in <paramref name="staged"/>: hidden, its extension kept (ffmpeg reads the format from it).</summary>
    private static string Stage(string final, List<(string Staged, string Final)> staged)
    {
        string path = Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileNameWithoutExtension(final)}.partial{Path.GetExtension(final)}");
        staged.Add((path, final));
        return path;
    }

    /// <summary>Creates <paramref name="directory"/> and any missing parents, noting in <paramref name="created"/> the ones that were not there.</summary>
    private static void CreateDirectory(string directory, List<string> created)
    {
        var missing = new List<string>();
        for (string? d = directory; d is not null && !Directory.Exists(d); d = Path.GetDirectoryName(d))
        {
            missing.Add(d);
        }

        Directory.CreateDirectory(directory);
        missing.Reverse();
        created.AddRange(missing);
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
