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
        IReadOnlyDictionary<int, byte[]> kept = await LoadKeptAsync(store, cancellationToken).ConfigureAwait(false);
        var callOptions = new CallOptions { RetriesOnCrash = workersOnOtherMachines ? 0 : settings.RetriesOnCrash };
        bool threads = pool.Isolation == Isolation.Thread;
        var frames = new RenderedFrame[settings.Frames];
        var calls = new Task[settings.Frames];
        var resumedFrames = new List<RenderedFrame>();
        for (int i = 0; i < settings.Frames; i++)
        {
            if (kept.TryGetValue(i, out byte[]? keptFrame) && Resume(i, keptFrame) is { } resumed)
            {
                frames[i] = resumed;
                deflated[i] = keptFrame;
                resumedFrames.Add(resumed);
                calls[i] = Task.CompletedTask;
                continue;
            }

            var request = new FrameRequest(settings.Scene, i, settings.Frames, settings.Width, settings.Height, workersOnOtherMachines ? null : runDirectory, settings.CrashFrame == i, threads);
            calls[i] = RenderOneAsync(request);
        }

        // Reported once every other frame is on its way. A progress handler that throws fails the render, and the
        // frames already sent are stopped and awaited first, so none is still running (or saving) after it failed.
        try
        {
            resumedFrames.ForEach(frameDone);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(calls).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
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
                    await KeepAsync(request.Index, deflated[request.Index]!).ConfigureAwait(false);
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

        // A kept frame is taken only if it is exactly what this render makes of its pixels: compressed again, the same
        // bytes. So a damaged frame (a flipped bit, bytes after its end, another size) is rendered again, and the
        // animation is the same bytes as a render in one go.
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

            return ApngEncoder.CompressFrame(rgba, settings.Width, settings.Height).AsSpan().SequenceEqual(compressed)
                ? new RenderedFrame(index, rgba, Hash(rgba), WorkerId: 0, Attempt: 1) { Resumed = true }
                : null;
        }

        // A frame the store could not keep (its server away, full) is not an error of the render: it is rendered
        // again if the render is resumed.
        async Task KeepAsync(int index, byte[] compressed)
        {
            try
            {
                await store.SaveAsync(index, compressed, failed.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !failed.IsCancellationRequested)
            {
                // Not kept.
            }
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

    /// <summary>
    /// The frames <paramref name="store"/> kept; none when there is no store, or when it cannot say (an error, or
    /// null): a store that fails does not fail the render, it only saves nothing.
    /// </summary>
    private static async Task<IReadOnlyDictionary<int, byte[]>> LoadKeptAsync(IRenderFrameStore? store, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return new Dictionary<int, byte[]>();
        }

        try
        {
            return await store.LoadAsync(cancellationToken).ConfigureAwait(false) ?? new Dictionary<int, byte[]>();
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new Dictionary<int, byte[]>();
        }
    }

    /// <summary>Lower-case hex SHA-256.</summary>
    public static string Hash(byte[] rgba) => Convert.ToHexStringLower(SHA256.HashData(rgba));
}
