using System.Security.Cryptography;
using Spindle;
using Spindle.Pools;

namespace Spindle.Render.Frames;

/// <summary>Submits one call per frame to a pool and collects the frames (and their PNG image data) in order.</summary>
internal static class FrameScheduler
{
    public static async Task<RenderedFrame[]> RenderAsync(WorkerPool pool, RenderSettings settings, string runDirectory, byte[]?[] deflated, Action<RenderedFrame> frameDone, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var callOptions = new CallOptions { RetriesOnCrash = settings.RetriesOnCrash };
        bool threads = pool.Isolation == Isolation.Thread;
        var frames = new RenderedFrame[settings.Frames];
        var calls = new Task[settings.Frames];
        for (int i = 0; i < settings.Frames; i++)
        {
            var request = new FrameRequest(settings.Scene, i, settings.Frames, settings.Width, settings.Height, runDirectory, settings.CrashFrame == i, threads);
            calls[i] = RenderOneAsync(request);
        }

        // Faulted beats cancelled: the first frame lost for good is the error, not the cancellations it caused.
        await Task.WhenAll(calls).ConfigureAwait(false);
        return frames;

        async Task RenderOneAsync(FrameRequest request)
        {
            try
            {
                FrameOutput output = await pool.RunAsync(FrameJob.Render, request, callOptions, failed.Token).ConfigureAwait(false);
                var frame = new RenderedFrame(request.Index, output.Rgba, Hash(output.Rgba), output.WorkerId, output.Attempt);
                frames[request.Index] = frame;
                deflated[request.Index] = output.Deflated;
                frameDone(frame);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One frame lost for good fails the render: stop the others instead of rendering for nothing.
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Hash(byte[] rgba) => Convert.ToHexStringLower(SHA256.HashData(rgba));
}
