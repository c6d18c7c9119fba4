using Spindle;
using Spindle.Pools;
using Spindle.Render.Tests.Support;

namespace Spindle.Render.Tests;

public class RenderSettingsTests
{
    [Theory]
    [InlineData("Frames", 0)]
    [InlineData("Frames", RenderSettings.MaxFrames + 1)]
    [InlineData("Width", RenderSettings.MinSize - 1)]
    [InlineData("Width", RenderSettings.MaxSize + 1)]
    [InlineData("Height", -1)]
    [InlineData("FramesPerSecond", 0)]
    [InlineData("CrashFrame", -1)]
    [InlineData("RetriesOnCrash", -1)]
    public void Init_OutOfRange_ThrowsNamingTheProperty(string property, int value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => property switch
        {
            "Frames" => new RenderSettings { Frames = value },
            "Width" => new RenderSettings { Width = value },
            "Height" => new RenderSettings { Height = value },
            "FramesPerSecond" => new RenderSettings { FramesPerSecond = value },
            "CrashFrame" => new RenderSettings { CrashFrame = value },
            _ => new RenderSettings { RetriesOnCrash = value },
        });

        Assert.Equal(property, error.ParamName);
        Assert.Contains(property, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_UnknownScene_ThrowsListingTheScenes()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RenderSettings { Scene = "teapot" });

        Assert.Equal("Scene", error.ParamName);
        Assert.Contains("spheres, mandelbrot", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_CrashFrameBeyondTheLastFrame_ThrowsNamingCrashFrame()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Thread));

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => farm.RenderAsync(TinyRender.Settings(crashFrame: 6)));

        Assert.Equal("CrashFrame", error.ParamName);
        Assert.Empty(farm.Pool.GetWorkers());
    }

    [Fact]
    public async Task RenderAsync_TooManyBytesInAll_ThrowsNamingFrames()
    {
        await using var farm = new RenderFarm(TinyRender.Pool(Isolation.Thread));
        var huge = new RenderSettings { Frames = 1000, Width = 4096, Height = 4096 };

        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => farm.RenderAsync(huge));

        Assert.Equal("Frames", error.ParamName);
        Assert.Contains("MiB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RenderAsync_AfterDispose_ThrowsObjectDisposed()
    {
        var farm = new RenderFarm(TinyRender.Pool(Isolation.Thread));
        await farm.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => farm.RenderAsync(TinyRender.Settings()));
    }
}
