namespace Spindle.Serve.Jobs;

/// <summary>What a client asks the farm to render; the JSON body of <c>POST /api/jobs</c> and the fields of the HTML form.</summary>
/// <param name="Frames">Frames in the animation.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="Scene">The scene's name (see <see cref="JobLimits.Scenes"/>).</param>
/// <param name="CrashFrame">A frame whose first attempt crashes its worker natively, to watch the farm recover; none when null.</param>
internal sealed record JobRequest(int Frames = JobLimits.DefaultFrames, int Width = JobLimits.DefaultWidth, int Height = JobLimits.DefaultHeight, string? Scene = null, int? CrashFrame = null)
{
    /// <summary>Throws <see cref="InvalidJobException"/> naming the first field out of range, as the client spelled it.</summary>
    public JobRequest Validated()
    {
        Check(Frames is >= JobLimits.MinFrames and <= JobLimits.MaxFrames, "frames", Frames, $"between {JobLimits.MinFrames} and {JobLimits.MaxFrames}");
        Check(Width is >= JobLimits.MinSize and <= JobLimits.MaxSize, "width", Width, $"between {JobLimits.MinSize} and {JobLimits.MaxSize} pixels");
        Check(Height is >= JobLimits.MinSize and <= JobLimits.MaxSize, "height", Height, $"between {JobLimits.MinSize} and {JobLimits.MaxSize} pixels");
        if (CrashFrame is int crash)
        {
            Check(crash >= 0 && crash < Frames, "crashFrame", crash, $"a frame number from 0 to {Frames - 1} (frames are numbered from 0)");
        }

        long bytes = 4L * Width * Height * Frames;
        if (bytes > JobLimits.MaxJobBytes)
        {
            throw new InvalidJobException("frames", $"{Frames} frames of {Width}x{Height} take {bytes >> 20} MiB, more than the {JobLimits.MaxJobBytes >> 20} MiB one job may hold: ask for fewer or smaller frames.");
        }

        string scene = Scene ?? JobLimits.Scenes[0];
        if (!JobLimits.Scenes.Contains(scene, StringComparer.Ordinal))
        {
            throw new InvalidJobException("scene", $"scene '{Scene}' is unknown: use one of {string.Join(", ", JobLimits.Scenes)}.");
        }

        return this with { Scene = scene };
    }

    private static void Check(bool ok, string field, int value, string expected)
    {
        if (!ok)
        {
            throw new InvalidJobException(field, $"{field} is {value}: it must be {expected}.");
        }
    }
}
