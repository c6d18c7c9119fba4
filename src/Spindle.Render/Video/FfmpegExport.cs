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
        Task<string> errors = process.StandardError.ReadToEndAsync(cancellationToken);
        Task<string> output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        Stream input = process.StandardInput.BaseStream;
        try
        {
            foreach (RenderedFrame frame in result.Frames)
            {
                await input.WriteAsync(frame.Rgba, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // ffmpeg stopped reading: its stderr below says why.
        }
        finally
        {
            input.Close();
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string stderr = await errors.ConfigureAwait(false);
        await output.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"ffmpeg failed with exit code {process.ExitCode}: {stderr.Trim()}");
        }
    }
}
