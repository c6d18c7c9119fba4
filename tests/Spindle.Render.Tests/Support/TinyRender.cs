using Spindle;
using Spindle.Pools;
using Spindle.Tests.Support;

namespace Spindle.Render.Tests.Support;

/// <summary>Small renders that run fast on two cores.</summary>
internal static class TinyRender
{
    public static RenderSettings Settings(int? crashFrame = null, string scene = "spheres") =>
        new() { Frames = 6, Width = 64, Height = 48, Scene = scene, CrashFrame = crashFrame };

    public static WorkerPoolOptions Pool(Isolation isolation) => new() { Isolation = isolation, Workers = 2, Name = "render-tests" };

    /// <summary>Renders on a fresh farm, bounded.</summary>
    public static async Task<RenderResult> RunAsync(Isolation isolation, RenderSettings settings, IProgress<RenderProgress>? progress = null)
    {
        await using var farm = new RenderFarm(Pool(isolation));
        return await farm.RenderAsync(settings, progress).Within($"a {settings.Frames}-frame render with {isolation} isolation");
    }
}
