using Spindle.Render.Png;
using Spindle.Render.Scenes;

namespace Spindle.Render.Tests;

/// <summary>A frame rendered on another machine comes back as PNG image data only; its pixels must come back exactly.</summary>
public class FrameInflaterTests
{
    [Theory]
    [InlineData("spheres", 64, 48)]
    [InlineData("mandelbrot", 33, 17)]
    public void Inflate_ACompressedSceneFrame_GivesBackItsExactPixels(string scene, int width, int height)
    {
        byte[] rgba = FrameRenderer.Render(scene, 3, 8, width, height);

        byte[] back = FrameInflater.Inflate(ApngEncoder.CompressFrame(rgba, width, height), width, height);

        Assert.Equal(rgba, back);
    }

    [Fact]
    public void Inflate_NoiseGradientsAndFlatRows_GivesBackTheExactBytesWhateverFilterEachRowGot()
    {
        const int Width = 29, Height = 40;
        var rgba = new byte[Width * Height * 4];
        var random = new Random(7);
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width * 4; x++)
            {
                // Noise, horizontal and vertical gradients and flat rows: the filter heuristic picks different filters for them.
                rgba[(y * Width * 4) + x] = (y % 4) switch
                {
                    0 => (byte)random.Next(256),
                    1 => (byte)(x * 3),
                    2 => (byte)(y * 5),
                    _ => 200,
                };
            }
        }

        Assert.Equal(rgba, FrameInflater.Inflate(ApngEncoder.CompressFrame(rgba, Width, Height), Width, Height));
    }
}
