using System.Diagnostics;
using Spindle;
using Spindle.Pools;
using Spindle.Render.Frames;
using Spindle.Render.Png;

namespace Spindle.Render;

/// <summary>
/// Renders animations on a <see cref="WorkerPool"/>: one call per frame, in parallel across the pool's workers,
/// then an animated PNG. With process isolation a worker that crashes costs one retried frame; the output is the
/// same bytes as a clean run.
/// </summary>
/// <remarks>
/// With thread isolation and a planned <see cref="RenderSettings.CrashFrame"/>, the crash would take this process
/// down, so that render runs on worker threads inside one child process; its death is reported as
/// <see cref="RenderRunDiedException"/>. <see cref="Pool"/> is not used for such a render.
/// <para>
/// A pool whose workers may be on other machines (<c>options.UseCluster(…)</c>) needs
/// <see cref="WorkersOnOtherMachines"/>: those workers cannot see this machine's files, where a local render notes each
/// frame's attempts, so the farm retries crashed frames itself, each attempt a new call that says its number.
/// </para>
/// </remarks>
public sealed class RenderFarm : IAsyncDisposable
{
    private readonly bool _ownsPool;
    private int _disposed;

    /// <summary>Creates a farm that owns a new pool made from <paramref name="poolOptions"/>; disposing the farm disposes it.</summary>
    /// <param name="poolOptions">The pool's options.</param>
    /// <param name="workersOnOtherMachines">True for a pool whose workers may run on other machines (a cluster pool).</param>
    public RenderFarm(WorkerPoolOptions poolOptions, bool workersOnOtherMachines = false)
    {
        ArgumentNullException.ThrowIfNull(poolOptions);
        Pool = new WorkerPool(poolOptions);
        _ownsPool = true;
        WorkersOnOtherMachines = workersOnOtherMachines;
    }

    /// <summary>Creates a farm on an existing pool, which the caller keeps owning.</summary>
    /// <param name="pool">The pool frames run on.</param>
    /// <param name="workersOnOtherMachines">True for a pool whose workers may run on other machines (a cluster pool).</param>
    public RenderFarm(WorkerPool pool, bool workersOnOtherMachines = false)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Pool = pool;
        WorkersOnOtherMachines = workersOnOtherMachines;
    }

    /// <summary>
    /// Whether the pool's workers may run on other machines: frames then say which attempt they are and the farm,
    /// not the pool, retries a frame whose worker crashed; each frame tells the agent that rendered it.
    /// </summary>
    public bool WorkersOnOtherMachines { get; }

    /// <summary>The pool frames run on (its workers and events show the farm at work).</summary>
    public WorkerPool Pool { get; }

    /// <summary>Renders the animation <paramref name="settings"/> describes, reporting after each frame.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (the exception names it).</exception>
    /// <exception cref="WorkerCrashedException">A frame's worker crashed more often than <see cref="RenderSettings.RetriesOnCrash"/> allows.</exception>
    /// <exception cref="RenderRunDiedException">A thread-isolated run with a planned crash died, as it must.</exception>
    public Task<RenderResult> RenderAsync(RenderSettings settings, IProgress<RenderProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RenderCoreAsync(settings, frameStore: null, progress, cancellationToken);

    /// <summary>
    /// Renders the animation <paramref name="settings"/> describes, going on from the frames <paramref name="frameStore"/>
    /// kept from an earlier run of it and keeping each new frame there as it finishes (before it is reported), so a
    /// render cut short loses at most the frames it was rendering. Frames it resumes are reported first, marked
    /// <see cref="RenderedFrame.Resumed"/>. The animation is the same bytes as a render in one go.
    /// </summary>
    /// <remarks>A thread-isolated render with a planned crash runs in a child process and neither reads nor keeps frames.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (the exception names it).</exception>
    /// <exception cref="WorkerCrashedException">A frame's worker crashed more often than <see cref="RenderSettings.RetriesOnCrash"/> allows.</exception>
    /// <exception cref="RenderRunDiedException">A thread-isolated run with a planned crash died, as it must.</exception>
    public Task<RenderResult> RenderAsync(RenderSettings settings, IRenderFrameStore frameStore, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frameStore);
        return RenderCoreAsync(settings, frameStore, progress, cancellationToken);
    }

    private async Task<RenderResult> RenderCoreAsync(RenderSettings settings, IRenderFrameStore? frameStore, IProgress<RenderProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var clock = Stopwatch.StartNew();
        var tracker = new ProgressTracker(settings.Frames, progress, clock);
        DirectoryInfo run = Directory.CreateTempSubdirectory("spindle-render-");
        try
        {
            var deflated = new byte[]?[settings.Frames];
            RenderedFrame[] frames = Pool.Isolation == Isolation.Thread && settings.CrashFrame is not null
                ? await ChildProcessRender.RunAsync(settings, Pool.MaxWorkers, run.FullName, tracker.FrameDone, cancellationToken).ConfigureAwait(false)
                : await FrameScheduler.RenderAsync(Pool, settings, run.FullName, WorkersOnOtherMachines, deflated, frameStore, tracker.FrameDone, cancellationToken).ConfigureAwait(false);

            // Cancelled while the last frames were finishing: still cancelled. The caller asked to stop, and assembling
            // the video is the step left.
            cancellationToken.ThrowIfCancellationRequested();

            // Workers compress their own frames; only frames that came back as files still need it.
            Parallel.For(0, frames.Length, i => deflated[i] ??= ApngEncoder.CompressFrame(frames[i].Rgba, settings.Width, settings.Height));
            byte[] apng = ApngEncoder.Assemble(deflated!, settings.Width, settings.Height, settings.FramesPerSecond);
            Dictionary<int, int> perWorker = frames.Where(f => !f.Resumed).GroupBy(f => f.WorkerId).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());
            return new RenderResult(settings, Pool.Isolation, frames, apng, clock.Elapsed, perWorker, tracker.CrashesSurvived);
        }
        finally
        {
            run.Delete(recursive: true);
        }
    }

    /// <summary>Disposes the pool if this farm created it (letting running frames finish).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _ownsPool)
        {
            await Pool.DisposeAsync().ConfigureAwait(false);
        }
    }
}
