namespace Spindle.Render.Png;

/// <summary>
/// PNG's per-row filters (None, Sub, Up, Average, Paeth). Each row gets the filter whose output has the smallest
/// sum of absolute signed bytes, the heuristic the PNG specification recommends: it makes the rows compress well.
/// </summary>
internal static class RowFilter
{
    public const int BytesPerPixel = 4;

    /// <summary>Filters an RGBA image into <c>height × (1 + stride)</c> bytes: a filter-type byte, then the filtered row.</summary>
    public static byte[] FilterImage(ReadOnlySpan<byte> rgba, int width, int height)
    {
        int stride = width * BytesPerPixel;
        var filtered = new byte[height * (stride + 1)];
        var candidate = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = rgba.Slice(y * stride, stride);
            ReadOnlySpan<byte> above = y == 0 ? ReadOnlySpan<byte>.Empty : rgba.Slice((y - 1) * stride, stride);
            Span<byte> target = filtered.AsSpan((y * (stride + 1)) + 1, stride);
            long best = long.MaxValue;
            for (byte type = 0; type <= 4; type++)
            {
                long cost = Apply(type, row, above, candidate);
                if (cost < best)
                {
                    best = cost;
                    filtered[y * (stride + 1)] = type;
                    candidate.CopyTo(target);
                }
            }
        }

        return filtered;
    }

    /// <summary>Filters one row with <paramref name="type"/> into <paramref name="output"/>; returns the sum of absolute signed bytes.</summary>
    private static long Apply(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, Span<byte> output)
    {
        const int Bpp = BytesPerPixel;
        bool top = above.IsEmpty;
        switch (type)
        {
            case 0:
                row.CopyTo(output);
                break;
            case 1:
                row[..Bpp].CopyTo(output);
                for (int i = Bpp; i < row.Length; i++)
                {
                    output[i] = (byte)(row[i] - row[i - Bpp]);
                }

                break;
            case 2:
                for (int i = 0; i < row.Length; i++)
                {
                    output[i] = (byte)(row[i] - (top ? 0 : above[i]));
                }

                break;
            case 3:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= Bpp ? row[i - Bpp] : 0;
                    output[i] = (byte)(row[i] - ((left + (top ? 0 : above[i])) >> 1));
                }

                break;
            default:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= Bpp ? row[i - Bpp] : 0;
                    int up = top ? 0 : above[i];
                    int upLeft = top || i < Bpp ? 0 : above[i - Bpp];
                    output[i] = (byte)(row[i] - Paeth(left, up, upLeft));
                }

                break;
        }

        long cost = 0;
        foreach (byte value in output)
        {
            cost += value < 128 ? value : 256 - value;
        }

        return cost;
    }

    /// <summary>The Paeth predictor: whichever neighbour is closest to left + up − up-left.</summary>
    public static int Paeth(int left, int up, int upLeft)
    {
        int estimate = left + up - upLeft;
        int toLeft = Math.Abs(estimate - left);
        int toUp = Math.Abs(estimate - up);
        int toUpLeft = Math.Abs(estimate - upLeft);
        return toLeft <= toUp && toLeft <= toUpLeft ? left : toUp <= toUpLeft ? up : upLeft;
    }
}
