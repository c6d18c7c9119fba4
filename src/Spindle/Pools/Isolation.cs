using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>Where a pool runs its calls.</summary>
public enum Isolation
{
    /// <summary>In worker processes: own memory, a crash stays inside one call, values are copied in and out.</summary>
    /// <remarks>Linux only: on other systems creating a pool with it throws <see cref="PlatformNotSupportedException"/>.</remarks>
    Process,

    /// <summary>On worker threads of this process: shared memory, no copying, but a crash takes the whole process down.</summary>
    /// <remarks>
    /// <para>
    /// As with <c>Task.Run</c>, a call runs under the <see cref="ExecutionContext"/> its caller had when it submitted it:
    /// AsyncLocal values, <c>Activity.Current</c> and <c>CultureInfo.CurrentCulture</c> are seen inside the delegate
    /// (with <see cref="Process"/> none of it crosses, but a sampled trace does: see <see cref="SpindleTelemetry"/>).
    /// When Spindle's activity source is listened to, <c>Activity.Current</c> there is the call's span, a child of the
    /// caller's.
    /// </para>
    /// <para>
    /// A thread cannot be killed. A call that times out (<see cref="WorkerPoolOptions.CallTimeout"/>) or is cancelled
    /// gets its token cancelled; if its delegate has not returned <see cref="WorkerPoolOptions.CancellationGracePeriod"/>
    /// later, its task has ended (timed out or cancelled) and its thread is <em>abandoned</em>: left blocked in the
    /// background, listed by <see cref="WorkerPool.GetWorkers"/> with <see cref="WorkerInfo.Abandoned"/> until the
    /// delegate returns, and replaced by a new worker so later calls run. <see cref="WorkerPool.TerminateAsync"/>
    /// abandons running calls at once, and <see cref="WorkerPool.DisposeAsync"/> does not wait for abandoned threads.
    /// Each abandoned thread counts toward <see cref="WorkerPoolOptions.MaxRestarts"/>, for as long as it stays
    /// blocked: a pool holding more than that faults (<see cref="PoolFaultedException"/>) rather than leak threads.
    /// </para>
    /// </remarks>
    Thread,
}
