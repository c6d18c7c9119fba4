namespace Spindle.Serve.Jobs;

/// <summary>
/// The ranges the server accepts for a job (tighter than the farm's own: one server serves many clients), and the
/// defaults the form starts with.
/// </summary>
internal static class JobLimits
{
    public const int MinFrames = 1;
    public const int MaxFrames = 600;
    public const int MinSize = 8;
    public const int MaxSize = 1024;
    public const int DefaultFrames = 24;
    public const int DefaultWidth = 160;
    public const int DefaultHeight = 120;

    /// <summary>The most RGBA bytes one job may hold (every frame is kept until the animation is encoded).</summary>
    public const long MaxJobBytes = 256L << 20;

    /// <summary>Scenes the farm can render; the first is the default.</summary>
    public static IReadOnlyList<string> Scenes => Render.RenderSettings.Scenes;
}
