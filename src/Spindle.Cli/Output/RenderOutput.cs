using System.Diagnostics.CodeAnalysis;
using Spindle.Render;
using Spindle.Render.Png;
using Spindle.Render.Video;

namespace Spindle.Cli.Output;

/// <summary>
/// Where a render's files go, checked before any rendering starts: the folders can be written, and no final name is
/// taken by a directory. Files are written under staged names (<see cref="StagedFiles"/>) and moved into place only
/// once every one is written: a cancelled or failed write leaves the folder as it was, an earlier run's files
/// included, never half a render.
/// </summary>
internal sealed class RenderOutput
{
    private readonly CreatedDirectories _createdDirectories;

    private RenderOutput(string animationPath, string? framesDirectory, string? ffmpeg, CreatedDirectories createdDirectories)
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

    /// <summary>
    /// Makes the folders for <paramref name="output"/> and checks every file of a <paramref name="frames"/>-frame
    /// render can go there; false with the <paramref name="problem"/> (and no folder made) if not. A path ending in
    /// .png is the animation's file; anything else is a directory for animation.png and the rest.
    /// </summary>
    public static bool TryPrepare(string output, bool framesPng, int frames, [NotNullWhen(true)] out RenderOutput? files, [NotNullWhen(false)] out string? problem)
    {
        files = null;
        problem = null;
        if (string.IsNullOrWhiteSpace(output))
        {
            problem = "the path is empty";
            return false;
        }

        var created = new CreatedDirectories();
        try
        {
            string full = Path.GetFullPath(output);
            bool isFile = full.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
            string directory = isFile ? Path.GetDirectoryName(full)! : full;
            string? framesDirectory = !framesPng ? null
                : isFile ? Path.Combine(directory, Path.GetFileNameWithoutExtension(full) + "-frames")
                : Path.Combine(directory, "frames");
            var prepared = new RenderOutput(isFile ? full : Path.Combine(full, "animation.png"), framesDirectory, FfmpegExport.FindFfmpeg(), created);
            foreach (string folder in new[] { directory, framesDirectory }.OfType<string>())
            {
                created.Create(folder);
                ProbeWritable(folder);
            }

            if (prepared.FinalPaths(frames).FirstOrDefault(Directory.Exists) is { } blocked)
            {
                problem = $"{blocked} is a directory";
                created.RemoveEmpty();
                return false;
            }

            files = prepared;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            created.RemoveEmpty();
            problem = e.Message;
            return false;
        }
    }

    /// <summary>Writes the animation, the frames and the MP4, then moves them into place; on cancel or failure, none is.</summary>
    /// <exception cref="OutputWriteException">A file could not be written or moved into place.</exception>
    public async Task<IReadOnlyList<(string What, string Path)>> WriteAsync(RenderResult result, CancellationToken cancellationToken)
    {
        var written = new List<(string, string)>();
        using var staged = new StagedFiles();
        await staged.WriteAsync(AnimationPath, result.Apng, cancellationToken);
        written.Add(("animated PNG", AnimationPath));
        if (FramesDirectory is not null)
        {
            foreach (RenderedFrame frame in result.Frames)
            {
                byte[] png = ApngEncoder.EncodePng(frame.Rgba, result.Settings.Width, result.Settings.Height);
                await staged.WriteAsync(FramePath(frame.Index), png, cancellationToken);
            }

            written.Add(($"{result.Frames.Count} PNG frame{(result.Frames.Count == 1 ? string.Empty : "s")}", FramesDirectory));
        }

        if (Ffmpeg is null)
        {
            Mp4Note = "skipped: ffmpeg is not on the PATH";
        }
        else
        {
            try
            {
                await FfmpegExport.WriteMp4Async(Ffmpeg, result, staged.Add(Mp4Path), cancellationToken);
                written.Add(("MP4 (ffmpeg)", Mp4Path));
            }
            catch (InvalidOperationException e)
            {
                Mp4Note = $"failed: {e.Message}";
                staged.Remove(Mp4Path);
            }
        }

        // The last moment a cancel is heard: past it, the files are moved into place, all of them.
        cancellationToken.ThrowIfCancellationRequested();
        staged.Commit();
        return written;
    }

    /// <summary>After a failed or cancelled run: removes the folders <see cref="TryPrepare"/> made, when nothing else went into them.</summary>
    public void RemoveCreatedDirectories() => _createdDirectories.RemoveEmpty();

    private string FramePath(int index) => Path.Combine(FramesDirectory!, $"frame-{index:D4}.png");

    /// <summary>Every name a render of <paramref name="frames"/> frames may move a file to.</summary>
    private IEnumerable<string> FinalPaths(int frames)
    {
        yield return AnimationPath;
        if (Ffmpeg is not null)
        {
            yield return Mp4Path;
        }

        if (FramesDirectory is not null)
        {
            for (int i = 0; i < frames; i++)
            {
                yield return FramePath(i);
            }
        }
    }

    /// <summary>Writes and removes a file of this run's own in <paramref name="directory"/>, so an unwritable folder fails now, not after the render.</summary>
    private static void ProbeWritable(string directory)
    {
        string probe = Path.Combine(directory, $".spindle-write-test-{Environment.ProcessId}-{Random.Shared.Next():x8}");
        File.WriteAllBytes(probe, []);
        File.Delete(probe);
    }
}
