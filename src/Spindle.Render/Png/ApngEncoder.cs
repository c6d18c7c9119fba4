using System.Buffers.Binary;
using System.IO.Compression;

namespace Spindle.Render.Png;

/// <summary>
/// Encodes RGBA frames (8 bits per channel) as a PNG or an animated PNG: IHDR, then for an animation acTL and one
/// fcTL per frame, the first frame's pixels in IDAT (so viewers without APNG show it) and the rest in fdAT.
/// </summary>
public static class ApngEncoder
{
    /// <summary>Encodes one image as a plain PNG.</summary>
    public static byte[] EncodePng(ReadOnlySpan<byte> rgba, int width, int height)
    {
        CheckFrame(rgba.Length, width, height, 0);
        using var output = new MemoryStream();
        var chunks = new ChunkWriter(output);
        chunks.WriteSignature();
        chunks.Write("IHDR", Header(width, height));
        chunks.Write("IDAT", CompressFrame(rgba, width, height));
        chunks.Write("IEND", []);
        return output.ToArray();
    }

    /// <summary>Encodes <paramref name="frames"/> as an animated PNG that loops forever, <paramref name="framesPerSecond"/> frames a second.</summary>
    public static byte[] EncodeAnimation(IReadOnlyList<byte[]> frames, int width, int height, int framesPerSecond)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentOutOfRangeException.ThrowIfZero(frames.Count, nameof(frames));
        ArgumentOutOfRangeException.ThrowIfLessThan(framesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(framesPerSecond, ushort.MaxValue);
        for (int i = 0; i < frames.Count; i++)
        {
            CheckFrame(frames[i].Length, width, height, i);
        }

        // Deflating is the expensive part and frames are independent: compress them on all cores.
        var compressed = new byte[frames.Count][];
        Parallel.For(0, frames.Count, i => compressed[i] = CompressFrame(frames[i], width, height));
        return Assemble(compressed, width, height, framesPerSecond);
    }

    /// <summary>Assembles an animated PNG from frames already filtered and deflated by <see cref="CompressFrame"/>.</summary>
    internal static byte[] Assemble(IReadOnlyList<byte[]> compressed, int width, int height, int framesPerSecond)
    {
        using var output = new MemoryStream();
        var chunks = new ChunkWriter(output);
        chunks.WriteSignature();
        chunks.Write("IHDR", Header(width, height));
        Span<byte> animation = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(animation, (uint)compressed.Count);
        BinaryPrimitives.WriteUInt32BigEndian(animation[4..], 0);
        chunks.Write("acTL", animation);

        uint sequence = 0;
        for (int i = 0; i < compressed.Count; i++)
        {
            chunks.Write("fcTL", FrameControl(sequence++, width, height, framesPerSecond));
            if (i == 0)
            {
                chunks.Write("IDAT", compressed[i]);
                continue;
            }

            var data = new byte[4 + compressed[i].Length];
            BinaryPrimitives.WriteUInt32BigEndian(data, sequence++);
            compressed[i].CopyTo(data, 4);
            chunks.Write("fdAT", data);
        }

        chunks.Write("IEND", []);
        return output.ToArray();
    }

    private static void CheckFrame(int length, int width, int height, int index)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (length != (long)width * height * RowFilter.BytesPerPixel)
        {
            throw new ArgumentException($"Frame {index} has {length} bytes; a {width}x{height} RGBA frame has {(long)width * height * 4}.", "frames");
        }
    }

    private static byte[] Header(int width, int height)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)height);
        header[8] = 8;   // bits per channel
        header[9] = 6;   // colour type: RGBA
        return header;   // compression, filter method and interlace: 0
    }

    private static byte[] FrameControl(uint sequence, int width, int height, int framesPerSecond)
    {
        var control = new byte[26];
        BinaryPrimitives.WriteUInt32BigEndian(control, sequence);
        BinaryPrimitives.WriteUInt32BigEndian(control.AsSpan(4), (uint)width);
        BinaryPrimitives.WriteUInt32BigEndian(control.AsSpan(8), (uint)height);
        BinaryPrimitives.WriteUInt16BigEndian(control.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt16BigEndian(control.AsSpan(22), (ushort)framesPerSecond);
        return control;  // x and y offsets 0; dispose op none; blend op source
    }

    /// <summary>One frame's image data: rows filtered, then deflated in a zlib stream (what IDAT and fdAT carry).</summary>
    internal static byte[] CompressFrame(ReadOnlySpan<byte> rgba, int width, int height)
    {
        byte[] filtered = RowFilter.FilterImage(rgba, width, height);
        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(filtered);
        }

        return buffer.ToArray();
    }
}
