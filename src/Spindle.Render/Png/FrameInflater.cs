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
        // One loop per filter type, not a switch per byte: the farm rebuilds every remote frame on its own cores.
        const int Bpp = RowFilter.BytesPerPixel;
        bool top = above.IsEmpty;
        switch (type)
        {
            case 0:
                row.CopyTo(output);
                break;
            case 1:
                row[..Bpp].CopyTo(output);
                for (int x = Bpp; x < row.Length; x++)
                {
                    output[x] = (byte)(row[x] + output[x - Bpp]);
                }

                break;
            case 2:
                for (int x = 0; x < row.Length; x++)
                {
                    output[x] = (byte)(row[x] + (top ? 0 : above[x]));
                }

                break;
            case 3:
                for (int x = 0; x < row.Length; x++)
                {
                    int left = x >= Bpp ? output[x - Bpp] : 0;
                    output[x] = (byte)(row[x] + ((left + (top ? 0 : above[x])) >> 1));
                }

                break;
            case 4:
                for (int x = 0; x < row.Length; x++)
                {
                    int left = x >= Bpp ? output[x - Bpp] : 0;
                    int up = top ? 0 : above[x];
                    int upLeft = top || x < Bpp ? 0 : above[x - Bpp];
                    output[x] = (byte)(row[x] + RowFilter.Paeth(left, up, upLeft));
                }

                break;
            default:
                throw new InvalidDataException($"Row filter type {type} does not exist (0 to 4).");
        }
    }
}
