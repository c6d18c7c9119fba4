namespace Spindle.Render.Scenes;

/// <summary>Renders one frame of a named scene into RGBA bytes.</summary>
internal static class FrameRenderer
{
    /// <summary>Renders frame <paramref name="index"/> of <paramref name="frames"/>; the same inputs give the same bytes in any process.</summary>
    /// <remarks>Cancellation is checked once per row, so a cancelled frame stops within a row's time.</remarks>
    public static byte[] Render(string scene, int index, int frames, int width, int height, CancellationToken cancellationToken = default)
    {
        var rgba = new byte[width * height * 4];
        double time = (double)index / frames;
        switch (scene)
        {
            case "spheres":
                new SphereScene(time, width, height).Render(rgba, cancellationToken);
                break;
            case "mandelbrot":
                new MandelbrotZoom(time, width, height).Render(rgba, cancellationToken);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(scene), scene, $"Unknown scene '{scene}'.");
        }

        return rgba;
    }

    /// <summary>A linear colour channel in 0..1 to a byte, with a square-root gamma (sqrt is exactly rounded everywhere).</summary>
    public static byte ToByte(double linear)
    {
        double clamped = linear <= 0 ? 0 : linear >= 1 ? 1 : linear;
        return (byte)((Math.Sqrt(clamped) * 255.0) + 0.5);
    }
}
