using System.Security.Cryptography;
using System.Text;
using Spindle;
using Spindle.Pools;
using Spindle.Render.Png;
using Spindle.Render.Tests.Support;
using Spindle.Tests.Support;

namespace Spindle.Render.Tests;

public class ApngTests
{
    [Fact]
    public async Task Apng_OfARender_DecodesBackToTheRenderedFrames()
    {
        RenderResult result = await TinyRender.RunAsync(Isolation.Process, TinyRender.Settings());

        DecodedPng png = ApngReader.Decode(result.Apng);

        Assert.Equal((64, 48), (png.Width, png.Height));
        Assert.Equal(6, png.AnimationFrames);
        Assert.Equal(0, png.Plays);
        Assert.Equal(6, png.Frames.Count);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(result.Frames[i].Rgba, png.Frames[i]);
            Assert.Equal(result.FrameHashes[i], Convert.ToHexStringLower(SHA256.HashData(png.Frames[i])));
        }

        Assert.Equal(["IHDR", "acTL", "fcTL", "IDAT"], png.ChunkTypes.Take(4));
        Assert.Equal(5, png.ChunkTypes.Count(t => t == "fdAT"));
    }

    [Fact]
    public void EncodePng_RandomAndFlatImages_RoundTripThroughEveryFilter()
    {
        var random = new Random(7);
        var noise = new byte[33 * 17 * 4];
        random.NextBytes(noise);
        byte[] gradient = Enumerable.Range(0, 33 * 17 * 4).Select(i => (byte)(i / 4 % 33 * 7)).ToArray();

        foreach (byte[] image in new[] { noise, gradient, new byte[33 * 17 * 4] })
        {
            DecodedPng png = ApngReader.Decode(ApngEncoder.EncodePng(image, 33, 17));
            Assert.Null(png.AnimationFrames);
            Assert.Equal(image, Assert.Single(png.Frames));
        }
    }

    [Fact]
    public void Crc32_KnownVectors_MatchTheStandardAndTheBitwiseDefinition()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0u, Crc32.Compute([]));
        byte[] text = Encoding.ASCII.GetBytes("IEND");
        Assert.Equal(0xAE426082u, Crc32.Compute(text));
        var random = new byte[4096];
        new Random(1).NextBytes(random);
        Assert.Equal(ApngReader.BitwiseCrc(random), Crc32.Compute(random));
    }

    [Fact]
    public void Decode_CorruptedChunk_FailsOnTheCrc()
    {
        byte[] png = ApngEncoder.EncodePng(new byte[8 * 8 * 4], 8, 8);
        png[40] ^= 0x01;

        var failure = Assert.ThrowsAny<Exception>(() => ApngReader.Decode(png));
        Assert.Contains("CRC", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EncodeAnimation_WrongFrameSize_NamesTheFrame()
    {
        var error = Assert.Throws<ArgumentException>(() => ApngEncoder.EncodeAnimation([new byte[8 * 8 * 4], new byte[10]], 8, 8, 24));

        Assert.Contains("Frame 1", error.Message, StringComparison.Ordinal);
    }
}
