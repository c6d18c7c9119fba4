using System.Security.Cryptography;
using Spindle;
using Spindle.Pools;
using Spindle.Render.Png;

namespace Spindle.Render.Frames;

/// <summary>
/// Submits one call per frame to a pool and collects the frames (and their PNG image data) in order.
/// </summary>
/// <remarks>
/// Who retries a frame whose worker crashed depends on where the workers are. On this machine the pool does
/// (<see cref="CallOptions.RetriesOnCrash"/>: its supervision and events see the retry) and the worker learns the
/// attempt from the run directory. When workers may be on other machines (a cluster pool) they cannot see that
/// directory, so the farm retries: each attempt is a new call carrying its number, and the pool does not retry.
/// </remarks>
internal static class FrameScheduler
{
    public static async Task<RenderedFrame[]> RenderAsync(
        WorkerPool pool, RenderSettings settings, string runDirectory, bool workersOnOtherMachines, byte[]?[] deflated, IRenderFrameStore? store,
        Action<RenderedFrame> frameDone, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        IReadOnlyDictionary<int, byte[]> kept = store is null ? new Dictionary<int, byte[]>() : await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        var callOptions = new CallOptions { RetriesOnCrash = workersOnOtherMachines ? 0 : settings.RetriesOnCrash };
        bool threads = pool.Isolation == Isolation.Thread;
        var frames = new RenderedFrame[settings.Frames];
        var calls = new Task[settings.Frames];
        for (int i = 0; i < settings.Frames; i++)
        {
            if (kept.TryGetValue(i, out byte[]? keptFrame) && Resume(i, keptFrame) is { } resumed)
            {
                frames[i] = resumed;
                deflated[i] = keptFrame;
                frameDone(resumed);
                calls[i] = Task.CompletedTask;
                continue;
            }

            var request = new FrameRequest(settings.Scene, i, settings.Frames, settings.Width, settings.Height, workersOnOtherMachines ? null : runDirectory, settings.CrashFrame == i, threads);
            calls[i] = RenderOneAsync(request);
        }

        // Faulted beats cancelled: the first frame lost for good is the error, not the cancellations it caused.
        await Task.WhenAll(calls).ConfigureAwait(false);
        return frames;

        async Task RenderOneAsync(FrameRequest request)
        {
            try
            {
                FrameOutput output = await (workersOnOtherMachines ? RunAttemptsAsync(request) : RunAsync(request)).ConfigureAwait(false);
                byte[] rgba = workersOnOtherMachines ? FrameInflater.Inflate(output.Deflated, settings.Width, settings.Height) : output.Rgba;
                var frame = new RenderedFrame(request.Index, rgba, Hash(rgba), output.WorkerId, output.Attempt, output.Agent);
                frames[request.Index] = frame;
                deflated[request.Index] = output.Deflated;
                if (store is not null)
                {
                    // Kept before it is reported: a frame reported done survives the render being cut short.
                    deflated[request.Index] ??= ApngEncoder.CompressFrame(rgba, settings.Width, settings.Height);
                    await store.SaveAsync(request.Index, deflated[request.Index]!, failed.Token).ConfigureAwait(false);
                }

                frameDone(frame);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One frame lost for good fails the render: stop the others instead of rendering for nothing.
                await failed.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }

        // A kept frame that does not inflate to this render's size is rendered again.
        RenderedFrame? Resume(int index, byte[] compressed)
        {
            byte[] rgba;
            try
            {
                rgba = FrameInflater.Inflate(compressed, settings.Width, settings.Height);
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IndexOutOfRangeException or ArgumentException)
            {
                return null;
            }

            return new RenderedFrame(index, rgba, Hash(rgba), WorkerId: 0, Attempt: 1) { Resumed = true };
        }

        Task<FrameOutput> RunAsync(FrameRequest request) => pool.RunAsync(FrameJob.Render, request, callOptions, failed.Token);

        // Attempt n + 1 after n crashed, as many times as the settings allow; any worker of the cluster may take it.
        async Task<FrameOutput> RunAttemptsAsync(FrameRequest request)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return await RunAsync(request with { Attempt = attempt }).ConfigureAwait(false);
                }
                catch (WorkerCrashedException) when (attempt <= settings.RetriesOnCrash && !failed.IsCancellationRequested)
                {
                    // Its worker is gone (the agent's pool replaces it); the next attempt goes to whichever worker is free.
                }
            }
        }
    }

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Hash(byte[] rgba) => Convert.ToHexStringLower(SHA256.HashData(rgba));
}
