using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>
/// What <c>RunAsync</c> does when <see cref="WorkerPoolOptions.MaxQueuedCalls"/> calls already wait for a worker, as
/// <c>BoundedChannelFullMode</c> does for a channel. <c>TryRun</c> never waits, whatever the mode: it returns false.
/// </summary>
public enum QueueFullMode
{
    /// <summary>
    /// The call waits for room (backpressure): <c>RunAsync</c> returns its task at once, and the call joins the queue
    /// when a place frees up; its cancellation token also cancels the wait.
    /// </summary>
    Wait,

    /// <summary>
    /// The call fails at once: <c>RunAsync</c> throws <see cref="PoolQueueFullException"/> at the call site, before any
    /// task exists, as it throws for a disposed or faulted pool. A worker free at that moment still takes the call.
    /// </summary>
    Fail,
}
