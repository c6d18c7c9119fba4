using System.Diagnostics.CodeAnalysis;
using Spindle;
using Spindle.Calls;
using Spindle.Pools;

namespace Spindle;

/// <summary>
/// <c>TryRun</c>: submits a call only if the pool can take it now, like <c>ChannelWriter.TryWrite</c>. It returns
/// false, and the call never enters the pool, when <see cref="WorkerPoolOptions.MaxQueuedCalls"/> calls already wait
/// and no worker is free; it never waits for room, whatever <see cref="WorkerPoolOptions.QueueFullMode"/> says.
/// Everything else is as <c>RunAsync</c>: a value that cannot cross, a disposed or a faulted pool throws at the call
/// site, and the call's outcome is in <c>task</c>.
/// </summary>
public sealed partial class WorkerPool
{
    /// <summary>Runs <paramref name="fn"/> on a worker if the pool can take the call now; false if its queue is full.</summary>
    public bool TryRun<TResult>(Func<TResult> fn, [MaybeNullWhen(false)] out Task<TResult> task, CancellationToken cancellationToken = default) =>
        Offer(SubmitCore(fn, [], static (f, _, _) => ((Func<TResult>)f)(), CallFlags.None, cancellationToken, callOptions: null, waitForRoom: false), out task);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>) on a worker if the pool can take the call now; false if its queue is full.</summary>
    public bool TryRun<T1, TResult>(Func<T1, TResult> fn, T1 arg1, [MaybeNullWhen(false)] out Task<TResult> task, CancellationToken cancellationToken = default) =>
        Offer(SubmitCore(fn, [arg1], static (f, a, _) => ((Func<T1, TResult>)f)((T1)a[0]!), CallFlags.None, cancellationToken, callOptions: null, waitForRoom: false), out task);

    /// <summary>Runs the async <paramref name="fn"/> on a worker if the pool can take the call now; false if its queue is full.</summary>
    public bool TryRun<TResult>(Func<Task<TResult>> fn, [MaybeNullWhen(false)] out Task<TResult> task, CancellationToken cancellationToken = default) =>
        Offer(SubmitCore(fn, [], static (f, _, _) => ((Func<Task<TResult>>)f)().WaitReturned(), CallFlags.None, cancellationToken, callOptions: null, waitForRoom: false), out task);

    /// <summary>Runs <paramref name="fn"/> on a worker if the pool can take the call now; false if its queue is full.</summary>
    public bool TryRun(Action fn, [MaybeNullWhen(false)] out Task task, CancellationToken cancellationToken = default) =>
        Offer<Task>(SubmitCore<object?>(fn, [], static (f, _, _) => { ((Action)f)(); return null; }, CallFlags.None, cancellationToken, callOptions: null, waitForRoom: false), out task);

    /// <summary>Runs <paramref name="fn"/>(<paramref name="arg1"/>) on a worker if the pool can take the call now; false if its queue is full.</summary>
    public bool TryRun<T1>(Action<T1> fn, T1 arg1, [MaybeNullWhen(false)] out Task task, CancellationToken cancellationToken = default) =>
        Offer<Task>(SubmitCore<object?>(fn, [arg1], static (f, a, _) => { ((Action<T1>)f)((T1)a[0]!); return null; }, CallFlags.None, cancellationToken, callOptions: null, waitForRoom: false), out task);

    /// <summary>Runs the async <paramref name="fn"/> on a worker if the pool can take the call now; false if its queue is full.</summary>
    public bool TryRun(Func<Task> fn, [MaybeNullWhen(false)] out Task task, CancellationToken cancellationToken = default) =>
        Offer<Task>(SubmitCore<object?>(fn, [], static (f, _, _) => { ((Func<Task>)f)().WaitReturned(); return null; }, CallFlags.None, cancellationToken, callOptions: null, waitForRoom: false), out task);

    /// <summary>Runs any delegate with arguments given as an array if the pool can take the call now; false if its queue is full. The result is boxed (null for void).</summary>
    public bool TryRunDelegate(Delegate fn, object?[] args, [MaybeNullWhen(false)] out Task<object?> task, CancellationToken cancellationToken = default) =>
        TryRunDelegate(fn, args, options: null, out task, cancellationToken);

    /// <summary>
    /// Runs any delegate with arguments given as an array, and optional per-call <paramref name="options"/>, if the
    /// pool can take the call now; false if its queue is full. The result is boxed (null for void).
    /// </summary>
    public bool TryRunDelegate(Delegate fn, object?[] args, CallOptions? options, [MaybeNullWhen(false)] out Task<object?> task, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fn);
        ArgumentNullException.ThrowIfNull(args);
        return Offer(SubmitCore(fn, args, static (f, a, ct) => DelegateInvoker.Invoke(f, a, ct), CallFlags.None, cancellationToken, options, waitForRoom: false), out task);
    }

    private static bool Offer<TTask>(TTask? submitted, [MaybeNullWhen(false)] out TTask task)
        where TTask : Task
    {
        task = submitted;
        return submitted is not null;
    }
}
