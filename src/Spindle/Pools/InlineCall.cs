using Spindle.Backends;
using Spindle.Telemetry;

namespace Spindle.Pools;

/// <summary>
/// Runs a delegate with its arguments on the calling thread. A static lambda per call shape, so a call allocates no
/// closure for it (and an encoded call, which never runs here, builds nothing).
/// </summary>
internal delegate TResult InlineInvoker<TResult>(Delegate fn, object?[] args, CancellationToken cancellationToken);

/// <summary>
/// A call run in this process by a backend that shares memory with its caller (threads): the typed delegate, its
/// arguments, and the caller's <see cref="ExecutionContext"/>, under which the delegate runs, as with <c>Task.Run</c>.
/// </summary>
internal sealed class InlineCall<TResult> : PendingCall<TResult>, IInlineCall
{
    private readonly InlineInvoker<TResult> _inline;
    private readonly Delegate _fn;
    private readonly object?[] _args;

    /// <summary>The caller's context, captured at submit; null when the caller suppressed its flow.</summary>
    private readonly ExecutionContext? _callersContext = ExecutionContext.Capture();

    /// <summary>The token of the call this thread is running under its caller's context (a field of every call would cost 8 bytes each).</summary>
    [ThreadStatic]
    private static CancellationToken t_runToken;

    public InlineCall(InlineInvoker<TResult> inline, Delegate fn, object?[] args, CancellationToken cancellationToken, CallTelemetry? telemetry = null)
        : base(cancellationToken, telemetry)
    {
        _inline = inline;
        _fn = fn;
        _args = args;
    }

    /// <summary>
    /// Runs the delegate on the current thread and keeps its outcome (see <see cref="PendingCall.Publish"/>), under the
    /// context its caller had when it submitted the call; the pool's own bookkeeping around it does not (see <see cref="CallerContext"/>).
    /// </summary>
    public void RunHere(CancellationToken cancellationToken)
    {
        if (_callersContext is null)
        {
            Invoke(cancellationToken);
            return;
        }

        t_runToken = cancellationToken;
        ExecutionContext.Run(_callersContext, static state => ((InlineCall<TResult>)state!).Invoke(t_runToken), this);
    }

    private void Invoke(CancellationToken cancellationToken)
    {
        try
        {
            KeepResult(_inline(_fn, _args, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            KeepCanceled();
        }
        catch (Exception e)
        {
            KeepError(e);
        }
    }
}
