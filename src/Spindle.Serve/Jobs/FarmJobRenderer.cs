using Spindle;
using Spindle.Pools;
using Spindle.Render;

namespace Spindle.Serve.Jobs;

/// <summary>
/// The server's render farm: worker processes that stay warm, so the dashboard always has workers to show; or, with a
/// cluster, the cluster's agents (creating the pool connects, and fails there naming the server and the option).
/// </summary>
/// <remarks>
/// A local pool whose workers died more often than <see cref="WorkerPoolOptions.MaxRestarts"/> allows (a scene that
/// crashes, or kills ordered from the dashboard) is faulted: it refuses every call from then on. The server outlives
/// it: the next job gets a new pool, and stderr says why the old one went. A cluster pool is kept, faulted or not:
/// the server's job store lives on its connection.
/// </remarks>
internal sealed class FarmJobRenderer : IJobRenderer
{
    /// <summary>Workers killed from the dashboard count as crashes; a demo clicking "kill" should not fault the farm soon.</summary>
    public const int DefaultMaxRestarts = 100;

    private readonly WorkerPoolOptions _options;
    private readonly ClusterOptions? _cluster;
    private RenderFarm _farm;

    public FarmJobRenderer(int workers, ClusterOptions? cluster = null, int maxRestarts = DefaultMaxRestarts)
    {
        _options = new WorkerPoolOptions
        {
            Name = "spindle-serve",
            Isolation = Isolation.Process,
            Workers = workers,
            IdleTimeout = Timeout.InfiniteTimeSpan,
            MaxRestarts = maxRestarts,
        };
        _cluster = cluster;
        _farm = NewFarm();
    }

    /// <summary>The pool frames run on now: after a fault, the one that replaced it.</summary>
    public WorkerPool Pool => Volatile.Read(ref _farm).Pool;

    public async Task<JobOutput> RenderAsync(JobRequest request, IRenderFrameStore? frames, IProgress<JobProgress> progress, CancellationToken cancellationToken)
    {
        RenderFarm farm = await ReplaceIfFaultedAsync().ConfigureAwait(false);
        var settings = new RenderSettings
        {
            Frames = request.Frames,
            Width = request.Width,
            Height = request.Height,
            Scene = request.Scene ?? RenderSettings.Scenes[0],
            CrashFrame = request.CrashFrame,
        };
        var relay = new Progress(progress);
        RenderResult result = frames is null
            ? await farm.RenderAsync(settings, relay, cancellationToken).ConfigureAwait(false)
            : await farm.RenderAsync(settings, frames, relay, cancellationToken).ConfigureAwait(false);
        return new JobOutput(result.Apng, result.Elapsed, result.CrashesSurvived, result.FramesPerWorker) { FramesResumed = result.FramesResumed };
    }

    public ValueTask DisposeAsync() => Volatile.Read(ref _farm).DisposeAsync();

    // Agents on other machines cannot see this machine's run folder, where a local farm counts a frame's attempts:
    // a cluster farm carries the attempt in the call and retries crashed frames itself.
    private RenderFarm NewFarm() =>
        _cluster is null ? new RenderFarm(_options) : new RenderFarm(_options.UseCluster(_cluster), workersOnOtherMachines: true);

    /// <summary>The farm to render on: the current one, or a new one in place of a local farm whose pool faulted.</summary>
    /// <remarks>Jobs run one at a time (the registry's loop), so only one caller ever replaces the farm.</remarks>
    private async Task<RenderFarm> ReplaceIfFaultedAsync()
    {
        RenderFarm farm = _farm;
        if (farm.Pool.State != PoolState.Faulted || _cluster is not null)
        {
            return farm;
        }

        await Console.Error.WriteLineAsync(
            $"spindle serve: the farm's pool '{farm.Pool.Name}' faulted (its workers died more often than MaxRestarts ({farm.Pool.MaxRestarts}) allows " +
            $"within its RestartWindow); a new pool takes the next job.").ConfigureAwait(false);
        RenderFarm fresh = NewFarm();
        Volatile.Write(ref _farm, fresh);
        await farm.DisposeAsync().ConfigureAwait(false);
        return fresh;
    }

    /// <summary>Passes the farm's reports on synchronously (<see cref="Progress{T}"/> would post them out of order).</summary>
    private sealed class Progress(IProgress<JobProgress> inner) : IProgress<RenderProgress>
    {
        // Reports come in order, one at a time (the farm reports under its lock).
        private int _resumed;

        public void Report(RenderProgress value)
        {
            _resumed += value.Frame is { Resumed: true } ? 1 : 0;
            inner.Report(new JobProgress(value.FramesDone, value.FramesTotal, value.FramesPerSecond, value.Eta, value.CrashesSurvived, _resumed));
        }
    }
}
