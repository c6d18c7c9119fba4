namespace Spindle.Render.Scenes;

/// <summary>A zoom into the Mandelbrot set's seahorse valley with smooth (continuous escape-time) colouring.</summary>
internal sealed class MandelbrotZoom
{
    private const double CenterX = -0.743643887037151;
    private const double CenterY = 0.131825904205330;

    private readonly int _width;
    private readonly int _height;
    private readonly double _scale;
    private readonly int _maxIterations;

    public MandelbrotZoom(double time, int width, int height)
    {
        _width = width;
        _height = height;

        // From a view 3 units wide down to about 1/2000 of that, at a steady zoom rate.
        _scale = 3.0 * Math.Exp(-7.6 * time) / width;
        _maxIterations = 200 + (int)(600 * time);
    }

    public void Render(byte[] rgba, CancellationToken cancellationToken)
    {
        int offset = 0;
        for (int y = 0; y < _height; y++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            double ci = CenterY + ((y - (_height / 2.0)) * _scale);
            for (int x = 0; x < _width; x++)
            {
                double cr = CenterX + ((x - (_width / 2.0)) * _scale);
                double zr = 0.0;
                double zi = 0.0;
                int n = 0;
                while (n < _maxIterations && (zr * zr) + (zi * zi) <= 256.0)
                {
                    double next = (zr * zr) - (zi * zi) + cr;
                    zi = (2.0 * zr * zi) + ci;
                    zr = next;
                    n++;
                }

                if (n >= _maxIterations)
                {
                    rgba[offset] = 0;
                    rgba[offset + 1] = 0;
                    rgba[offset + 2] = 0;
                }
                else
                {
                    // Continuous iteration count: removes the bands of plain escape time.
                    double smooth = n + 1 - (Math.Log(Math.Log(Math.Sqrt((zr * zr) + (zi * zi)))) / Math.Log(2.0));
                    double t = smooth * 0.035;
                    rgba[offset] = FrameRenderer.ToByte(0.5 + (0.5 * Math.Cos(6.2831853 * (t + 0.00))));
                    rgba[offset + 1] = FrameRenderer.ToByte(0.5 + (0.5 * Math.Cos(6.2831853 * (t + 0.15))));
                    rgba[offset + 2] = FrameRenderer.ToByte(0.5 + (0.5 * Math.Cos(6.2831853 * (t + 0.35))));
                }

                rgba[offset + 3] = 255;
                offset += 4;
            }
        }
    }
}
