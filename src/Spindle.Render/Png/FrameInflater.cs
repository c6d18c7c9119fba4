using System.IO.Compression;

namespace Spindle.Render.Png;

/// <summary>
/// The way back from <see cref="ApngEncoder.CompressFrame"/>: inflates a frame's PNG image data and undoes the row
/// filters, giving the exact RGBA bytes that were compressed. A frame rendered on another machine travels only as this
/// data (a tenth of its pixels' size for the seeds' scenes), and its pixels are rebuilt here.
/// </summary>
internal static class FrameInflater
{
    public static byte[] Inflate(byte[] deflated, int width, int height)
    {
        int stride = width * RowFilter.BytesPerPixel;
        var filtered = new byte[height * (stride + 1)];
        using (var zlib = new ZLibStream(new MemoryStream(deflated), CompressionMode.Decompress))
        {
            zlib.ReadExactly(filtered);
        }

        var rgba = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = filtered.AsSpan((y * (stride + 1)) + 1, stride);
            ReadOnlySpan<byte> above = y == 0 ? ReadOnlySpan<byte>.Empty : rgba.AsSpan((y - 1) * stride, stride);
            Unfilter(filtered[y * (stride + 1)], row, above, rgba.AsSpan(y * stride, stride));
        }

        return rgba;
    }

    /// <summary>Rebuilds one row: each filtered byte plus the prediction its filter made from the bytes already rebuilt.</summary>
    private static void Unfilter(byte type, ReadOnlySpan<byte> row, ReadOnlySpan<byte> above, Span<byte> output)
    {
        const int Bpp = RowFilter.BytesPerPixel;
        for (int x = 0; x < row.Length; x++)
        {
            int left = x >= Bpp ? output[x - Bpp] : 0;
            int up = above.IsEmpty ? 0 : above[x];
            int upLeft = x >= Bpp && !above.IsEmpty ? above[x - Bpp] : 0;
            int prediction = type switch
            {
                0 => 0,
                1 => left,
                2 => up,
                3 => (left + up) >> 1,
                4 => RowFilter.Paeth(left, up, upLeft),
                _ => throw new InvalidDataException($"Row filter type {type} does not exist (0 to 4)."),
            };
            output[x] = (byte)(row[x] + prediction);
        }
    }
}
