using Spindle.Backends;
using Spindle;
using Spindle.Calls;
using Spindle.Pools;
using Spindle.Processes;

namespace Spindle.Threads;

/// <summary>Runs calls on worker threads of this process (<see cref="Isolation.Thread"/>): no copies, no isolation.</summary>
internal sealed class ThreadBackend : IWorkerBackend
{
    private readonly BackendContext _context;

    public ThreadBackend(BackendContext context)
    {
        _context = context;
        if (context.Options is { Initializer: { } initializer, CheckProcessBoundary: true })
        {
            // Checked like a call, when the pool is created: switching to worker processes must not surprise.
            const string Option = nameof(WorkerPoolOptions.Initializer);
            CallWriter.Verify(context.Codec, MethodTemplate.For(initializer, Option), initializer.Target, [], Option);
        }
    }

    public bool SharesMemory => true;

    public async Task<PoolWorker> StartWorkerAsync(int index, CancellationToken cancellationToken)
    {
        WorkerPoolOptions options = _context.Options;
        if (options.Initializer is { } initializer)
        {
            try
            {
                // A thread cannot be stopped: a terminate stops waiting for an initializer that hangs, not the initializer.
                await Task.Run(initializer, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new WorkerStartException($"Worker {index} could not start: its Initializer threw {e.GetType()}: {e.Message}", null, string.Empty, e);
            }
        }

        return new ThreadWorker(_context.Reports, index, options.Workers, options.CancellationGracePeriod);
    }
}
