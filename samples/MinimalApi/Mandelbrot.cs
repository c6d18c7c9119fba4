namespace MinimalApi;

/// <summary>What the /render endpoint computes in a worker process: the Mandelbrot set as text.</summary>
public static class Mandelbrot
{
    /// <summary>The largest image side the endpoint accepts.</summary>
    public const int MaxSize = 400;

    /// <summary>Renders a <paramref name="size"/> × <paramref name="size"/>/2 character image; runs in a worker process.</summary>
    public static RenderResult Render(int size)
    {
        const string Shades = " .:-=+*#%@";
        int height = Math.Max(1, size / 2);
        var rows = new string[height];
        long iterations = 0;
        for (int y = 0; y < height; y++)
        {
            var row = new char[size];
            for (int x = 0; x < size; x++)
            {
                double cr = -2.2 + (3.0 * x / size), ci = -1.2 + (2.4 * y / height);
                double zr = 0, zi = 0;
                int i = 0;
                for (; i < 1000 && (zr * zr) + (zi * zi) <= 4; i++)
                {
                    (zr, zi) = ((zr * zr) - (zi * zi) + cr, (2 * zr * zi) + ci);
                }

                iterations += i;
                row[x] = i == 1000 ? Shades[^1] : Shades[i % (Shades.Length - 1)];
            }

            rows[y] = new string(row);
        }

        return new RenderResult(size, iterations, Environment.ProcessId, rows);
    }
}

/// <summary>A rendered image and where it was computed.</summary>
public sealed record RenderResult(int Size, long Iterations, int WorkerProcessId, string[] Rows);
