using System.Diagnostics;
using System.Globalization;

namespace Spindle.Render.Video;

/// <summary>Writes a render as MP4 (H.264) by piping its raw frames into <c>ffmpeg</c>, when ffmpeg is on the PATH.</summary>
public static class FfmpegExport
{
    /// <summary>The full path of <c>ffmpeg</c> on the PATH, or null when there is none.</summary>
    public static string? FindFfmpeg()
    {
        string? path = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(path))
        {
            return null;
        }

        string name = OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>How long a killed ffmpeg is waited for.</summary>
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(5);

    /// <summary>Encodes <paramref name="result"/>'s frames to <paramref name="mp4Path"/> with <paramref name="ffmpeg"/>; throws with ffmpeg's stderr if it fails.</summary>
    public static async Task WriteMp4Async(string ffmpeg, RenderResult result, string mp4Path, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        RenderSettings s = result.Settings;
        var start = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        string size = string.Create(CultureInfo.InvariantCulture, $"{s.Width}x{s.Height}");
        string rate = s.FramesPerSecond.ToString(CultureInfo.InvariantCulture);

        // H.264 in yuv420p needs even sizes; the filter trims an odd last row or column.
        foreach (string argument in new[]
        {
            "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba", "-s", size, "-r", rate, "-i", "-",
            "-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart", mp4Path,
        })
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {ffmpeg}.");

        // Cancelled: ffmpeg is killed, not sent the end of its input (it would then finish a short MP4 of the frames it
        // has). Killing it also ends a write blocked on its full pipe.
        using CancellationTokenRegistration kill = cancellationToken.Register(() => Kill(process));
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        try
        {
            await WriteFramesAsync(process.StandardInput.BaseStream, result, cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Return only once it is gone, so no ffmpeg outlives the cancel and the caller may remove what it wrote.
            using var bound = new CancellationTokenSource(KillWait);
            await process.WaitForExitAsync(bound.Token).ConfigureAwait(false);
            throw;
        }

        string stderr = await errors.ConfigureAwait(false);
        await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed with exit code {process.ExitCode}: {stderr.Trim()}");
        }
    }

    /// <summary>Writes every frame to ffmpeg's input, then closes it: the end of input tells ffmpeg to finish the file.</summary>
    private static async Task WriteFramesAsync(Stream input, RenderResult result, CancellationToken cancellationToken)
    {
        try
        {
            foreach (RenderedFrame frame in result.Frames)
            {
                await input.WriteAsync(frame.Rgba, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // ffmpeg stopped reading (it failed, or was killed on cancel): its exit code and stderr say which.
        }
        finally
        {
            input.Close();
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own just before: nothing left to kill.
        }
    }
}
