using Spindle;
using Spindle.Pools;
using Spindle.Render;
using Spindle.Serve.Jobs;

namespace Spindle.Serve.Tests.Support;

/// <summary>The real farm, held back until the test opens the gate: a job can be observed while it is certainly not done.</summary>
internal sealed class GatedRenderer(int workers) : IJobRenderer
{
    private readonly FarmJobRenderer _farm = new(workers);
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public WorkerPool Pool => _farm.Pool;

    public void Open() => _gate.TrySetResult();

    public async Task<JobOutput> RenderAsync(JobRequest request, IRenderFrameStore? frames, IProgress<JobProgress> progress, CancellationToken cancellationToken)
    {
        await _gate.Task.WaitAsync(cancellationToken);
        return await _farm.RenderAsync(request, frames, progress, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _gate.TrySetResult();
        await _farm.DisposeAsync();
    }
}
