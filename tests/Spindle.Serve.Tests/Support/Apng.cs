using System.Buffers.Binary;
using System.Text;

namespace Spindle.Serve.Tests.Support;

/// <summary>Just enough PNG reading to check a download is an animated PNG: signature, chunks, frame count.</summary>
internal static class Apng
{
    private static readonly byte[] Signature = [137, 80, 78, 71, 13, 10, 26, 10];

    /// <summary>The chunk types in order; throws if the bytes are not a PNG.</summary>
    public static List<string> Chunks(byte[] png)
    {
        Assert.True(png.AsSpan(0, 8).SequenceEqual(Signature), "not a PNG signature");
        var chunks = new List<string>();
        for (int at = 8; at + 8 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            chunks.Add(Encoding.ASCII.GetString(png, at + 4, 4));
            at += 12 + length;
        }

        return chunks;
    }

    /// <summary>The frame count the <c>acTL</c> chunk announces.</summary>
    public static int FrameCount(byte[] png)
    {
        int at = png.AsSpan().IndexOf("acTL"u8);
        Assert.True(at > 0, "no acTL chunk: not an animated PNG");
        return BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at + 4));
    }
}
