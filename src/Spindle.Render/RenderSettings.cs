namespace Spindle.Render;

/// <summary>What to render. Out-of-range values are refused when set, naming the property.</summary>
public sealed record RenderSettings
{
    /// <summary>The scenes <see cref="Scene"/> accepts.</summary>
    public static IReadOnlyList<string> Scenes { get; } = ["spheres", "mandelbrot"];

    /// <summary>The most frames one render may have.</summary>
    public const int MaxFrames = 10_000;

    /// <summary>The widest and tallest frame.</summary>
    public const int MaxSize = 4096;

    /// <summary>The narrowest and lowest frame.</summary>
    public const int MinSize = 8;

    /// <summary>The most bytes of RGBA all frames of one render may take together (they are kept for the encoders).</summary>
    public const long MaxTotalBytes = 2L << 30;

    private readonly int _frames = 48;
    private readonly int _width = 480;
    private readonly int _height = 270;
    private readonly string _scene = "spheres";
    private readonly int? _crashFrame;
    private readonly int _framesPerSecond = 24;
    private readonly int _retriesOnCrash = 1;

    /// <summary>Frames in the animation.</summary>
    /// <value>The default is 48; 1 to <see cref="MaxFrames"/>.</value>
    public int Frames
    {
        get => _frames;
        init => _frames = InRange(value, 1, MaxFrames, nameof(Frames));
    }

    /// <summary>Frame width in pixels.</summary>
    /// <value>The default is 480; <see cref="MinSize"/> to <see cref="MaxSize"/>.</value>
    public int Width
    {
        get => _width;
        init => _width = InRange(value, MinSize, MaxSize, nameof(Width));
    }

    /// <summary>Frame height in pixels.</summary>
    /// <value>The default is 270; <see cref="MinSize"/> to <see cref="MaxSize"/>.</value>
    public int Height
    {
        get => _height;
        init => _height = InRange(value, MinSize, MaxSize, nameof(Height));
    }

    /// <summary>The scene: <c>spheres</c> (a ray tracer orbiting reflective spheres) or <c>mandelbrot</c> (a fractal zoom).</summary>
    /// <value>The default is <c>spheres</c>.</value>
    public string Scene
    {
        get => _scene;
        init => _scene = value is not null && Scenes.Contains(value, StringComparer.Ordinal)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Scene), value, $"Scene must be one of: {string.Join(", ", Scenes)}.");
    }

    /// <summary>
    /// A frame index (0-based) whose first attempt crashes its worker natively (a segfault), to show a crash being
    /// survived; null for none. Must be below <see cref="Frames"/>.
    /// </summary>
    /// <value>The default is null.</value>
    public int? CrashFrame
    {
        get => _crashFrame;
        init => _crashFrame = value is null ? null : InRange(value.Value, 0, MaxFrames - 1, nameof(CrashFrame));
    }

    /// <summary>Playback speed of the animation.</summary>
    /// <value>The default is 24; 1 to 120.</value>
    public int FramesPerSecond
    {
        get => _framesPerSecond;
        init => _framesPerSecond = InRange(value, 1, 120, nameof(FramesPerSecond));
    }

    /// <summary>How many times a frame whose worker crashed is rendered again on another worker.</summary>
    /// <value>The default is 1; 0 to 10.</value>
    public int RetriesOnCrash
    {
        get => _retriesOnCrash;
        init => _retriesOnCrash = InRange(value, 0, 10, nameof(RetriesOnCrash));
    }

    /// <summary>Bytes of RGBA one frame takes.</summary>
    public int FrameBytes => Width * Height * 4;

    /// <summary>Checks the rules that tie properties together; throws <see cref="ArgumentOutOfRangeException"/> naming the property.</summary>
    public void Validate()
    {
        if (CrashFrame is { } crash && crash >= Frames)
        {
            throw new ArgumentOutOfRangeException(nameof(CrashFrame), crash, $"CrashFrame must be a frame index below Frames ({Frames}).");
        }

        if ((long)FrameBytes * Frames > MaxTotalBytes)
        {
            throw new ArgumentOutOfRangeException(
                nameof(Frames), Frames, $"{Frames} frames of {Width}x{Height} take {(long)FrameBytes * Frames >> 20} MiB, more than the {MaxTotalBytes >> 20} MiB a render may hold: render fewer or smaller frames.");
        }
    }

    private static int InRange(int value, int min, int max, string name) =>
        value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {min} and {max}.");
}
