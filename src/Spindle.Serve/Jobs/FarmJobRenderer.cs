using Spindle;
using Spindle.Pools;
using Spindle.Render;

namespace Spindle.Serve.Jobs;

/// <summary>
/// The server's render farm: worker processes that stay warm, so the dashboard always has workers to show; or, with a
/// cluster, the cluster's agents (creating the pool connects, and fails there naming the server and the option).
/// </summary>
internal sealed class FarmJobRenderer : IJobRenderer
{
    private readonly RenderFarm _farm;

    public FarmJobRenderer(int workers, ClusterOptions? cluster = null)
    {
        var options = new WorkerPoolOptions
        {
            Name = "spindle-serve",
            Isolation = Isolation.Process,
            Workers = workers,
            IdleTimeout = Timeout.InfiniteTimeSpan,

            // Workers killed from the dashboard count as crashes; a demo clicking "kill" should not fault the farm.
            MaxRestarts = 100,
        };
        // Agents on other machines cannot see this machine's run folder, where a local farm counts a frame's attempts:
        // a cluster farm carries the attempt in the call and retries crashed frames itself.
        _farm = cluster is null ? new RenderFarm(options) : new RenderFarm(options.UseCluster(cluster), workersOnOtherMachines: true);
    }

    public WorkerPool Pool => _farm.Pool;

    public async Task<JobOutput> RenderAsync(JobRequest request, IRenderFrameStore? frames, IProgress<JobProgress> progress, CancellationToken cancellationToken)
    {
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
            ? await _farm.RenderAsync(settings, relay, cancellationToken).ConfigureAwait(false)
            : await _farm.RenderAsync(settings, frames, relay, cancellationToken).ConfigureAwait(false);
        return new JobOutput(result.Apng, result.Elapsed, result.CrashesSurvived, result.FramesPerWorker) { FramesResumed = result.FramesResumed };
    }

    public ValueTask DisposeAsync() => _farm.DisposeAsync();

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
