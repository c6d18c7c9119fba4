using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Xunit.Sdk;

namespace Spindle.Render.Tests.Support;

/// <summary>A decoded PNG or APNG: size, the acTL frame count (null for a still PNG) and every frame's RGBA.</summary>
public sealed record DecodedPng(int Width, int Height, int? AnimationFrames, int Plays, IReadOnlyList<byte[]> Frames, IReadOnlyList<string> ChunkTypes);

/// <summary>
/// A small PNG/APNG reader written from the specifications, independent of the encoder under test: its own
/// bit-by-bit CRC, its own unfiltering, and a check of every rule the encoder must follow (chunk order,
/// sequence numbers, full-size frames). Anything wrong fails the test with what was wrong.
/// </summary>
public static class ApngReader
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static DecodedPng Decode(byte[] file)
    {
        Check(file.AsSpan(0, 8).SequenceEqual(Signature), "the file does not start with the PNG signature");
        var chunks = ReadChunks(file);
        Check(chunks.Count >= 3 && chunks[0].Type == "IHDR" && chunks[^1].Type == "IEND", "IHDR must come first and IEND last");
        Check(chunks[^1].Data.Length == 0, "IEND carries no data");

        byte[] header = chunks[0].Data;
        Check(header.Length == 13, "IHDR is 13 bytes");
        int width = checked((int)BinaryPrimitives.ReadUInt32BigEndian(header));
        int height = checked((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(4)));
        Check(header[8] == 8 && header[9] == 6, $"expected 8-bit RGBA, got depth {header[8]} colour type {header[9]}");
        Check(header[10] == 0 && header[11] == 0 && header[12] == 0, "compression, filter method and interlace must be 0");

        int? declared = null;
        int plays = 0;
        var frames = new List<byte[]>();
        var data = new MemoryStream();
        bool inFrame = false;
        uint expectedSequence = 0;
        foreach (Chunk chunk in chunks.Skip(1).SkipLast(1))
        {
            switch (chunk.Type)
            {
                case "acTL":
                    Check(frames.Count == 0 && !inFrame, "acTL must come before the image data");
                    declared = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk.Data);
                    plays = (int)BinaryPrimitives.ReadUInt32BigEndian(chunk.Data.AsSpan(4));
                    break;
                case "fcTL":
                    Check(declared is not null, "fcTL without acTL");
                    if (inFrame)
                    {
                        frames.Add(Inflate(data.ToArray(), width, height));
                        data.SetLength(0);
                    }

                    Check(BinaryPrimitives.ReadUInt32BigEndian(chunk.Data) == expectedSequence++, "fcTL sequence number out of order");
                    Check(BinaryPrimitives.ReadUInt32BigEndian(chunk.Data.AsSpan(4)) == width && BinaryPrimitives.ReadUInt32BigEndian(chunk.Data.AsSpan(8)) == height, "every frame must cover the whole image");
                    Check(BinaryPrimitives.ReadUInt16BigEndian(chunk.Data.AsSpan(22)) != 0, "fcTL delay denominator is zero");
                    inFrame = true;
                    break;
                case "IDAT":
                    inFrame = true;
                    data.Write(chunk.Data);
                    break;
                case "fdAT":
                    Check(inFrame, "fdAT before fcTL");
                    Check(BinaryPrimitives.ReadUInt32BigEndian(chunk.Data) == expectedSequence++, "fdAT sequence number out of order");
                    data.Write(chunk.Data.AsSpan(4));
                    break;
                default:
                    Check(char.IsLower(chunk.Type[0]), $"unknown critical chunk {chunk.Type}");
                    break;
            }
        }

        frames.Add(Inflate(data.ToArray(), width, height));
        Check(declared is null || declared == frames.Count, $"acTL declares {declared} frames, the file holds {frames.Count}");
        return new DecodedPng(width, height, declared, plays, frames, chunks.Select(c => c.Type).ToArray());
    }

    private static List<Chunk> ReadChunks(byte[] file)
    {
        var chunks = new List<Chunk>();
        int at = 8;
        while (at < file.Length)
        {
            Check(at + 12 <= file.Length, "a chunk is cut short");
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at)));
            Check(at + 12 + length <= file.Length, "a chunk's length runs past the end of the file");
            string type = Encoding.ASCII.GetString(file, at + 4, 4);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(at + 8 + length));
            uint computed = BitwiseCrc(file.AsSpan(at + 4, 4 + length));
            Check(stored == computed, $"chunk {type} at byte {at}: CRC {stored:x8} stored, {computed:x8} computed");
            chunks.Add(new Chunk(type, file.AsSpan(at + 8, length).ToArray()));
            at += 12 + length;
        }

        return chunks;
    }

    /// <summary>Inflates one frame's zlib stream and undoes the row filters.</summary>
    private static byte[] Inflate(byte[] zlib, int width, int height)
    {
        using var inflated = new MemoryStream();
        using (var stream = new ZLibStream(new MemoryStream(zlib), CompressionMode.Decompress))
        {
            stream.CopyTo(inflated);
        }

        byte[] filtered = inflated.ToArray();
        int stride = width * 4;
        Check(filtered.Length == height * (stride + 1), $"a frame inflates to {filtered.Length} bytes, expected {height * (stride + 1)}");
        var pixels = new byte[height * stride];
        for (int y = 0; y < height; y++)
        {
            byte type = filtered[y * (stride + 1)];
            Check(type <= 4, $"row {y} has filter type {type}");
            for (int x = 0; x < stride; x++)
            {
                int a = x >= 4 ? pixels[(y * stride) + x - 4] : 0;
                int b = y > 0 ? pixels[((y - 1) * stride) + x] : 0;
                int c = x >= 4 && y > 0 ? pixels[((y - 1) * stride) + x - 4] : 0;
                int p = a + b - c;
                int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                int predictor = type switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    _ => pa <= pb && pa <= pc ? a : pb <= pc ? b : c,
                };
                pixels[(y * stride) + x] = (byte)(filtered[(y * (stride + 1)) + 1 + x] + predictor);
            }
        }

        return pixels;
    }

    /// <summary>CRC-32 one bit at a time, straight from the PNG specification's definition (no table).</summary>
    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte value in data)
        {
            crc ^= value;
            for (int bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0xEDB88320 & (uint)-(int)(crc & 1));
            }
        }

        return ~crc;
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new XunitException($"Invalid PNG: {problem}.");
        }
    }

    private sealed record Chunk(string Type, byte[] Data);
}
