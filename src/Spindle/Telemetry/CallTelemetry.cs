using System.Diagnostics;
using Spindle.Pools;

namespace Spindle.Telemetry;

/// <summary>
/// What one call carries for observability, only when someone listens: its span (<see cref="CallSpan"/>) and when it
/// was submitted (for the duration histograms). Null for every call when nobody listens.
/// </summary>
/// <remarks>
/// It travels as the state of the call's task (<c>Task.AsyncState</c>), a field every task has anyway: a field of the
/// call itself would add 8 bytes to every call, listened to or not (bench/Spindle.Bench.Alloc counts them). So a
/// task returned by a traced or measured call has this object as its <c>AsyncState</c>; it holds nothing of the
/// caller's. This is the one place that knows it.
/// </remarks>
internal sealed class CallTelemetry(PoolTelemetry pool, Activity? span, long submittedAt)
{
    private Activity? _span = span;
    private int _completed;

    /// <summary>The call's span until it ends; null when only metrics listen.</summary>
    public Activity? Span => Volatile.Read(ref _span);

    /// <summary>A <see cref="Stopwatch"/> timestamp; 0 when no duration histogram listens.</summary>
    public long SubmittedAt { get; } = submittedAt;

    /// <summary>The telemetry of the call whose task is <paramref name="task"/>, if any.</summary>
    public static CallTelemetry? Of(Task task) => task.AsyncState as CallTelemetry;

    /// <summary>
    /// The call is about to complete (first time only): records its duration and ends its span, before its task
    /// completes, so a caller that awaits the task finds both done.
    /// </summary>
    public void Completing(PendingCall call, Exception? error, bool cancelled)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return;
        }

        if (SubmittedAt != 0)
        {
            pool.RecordDuration(Stopwatch.GetElapsedTime(SubmittedAt), CallSpan.Outcome(error, cancelled));
        }

        if (Interlocked.Exchange(ref _span, null) is { } span)
        {
            CallSpan.End(span, call.Id, call.CrashedAttempts + 1, error, cancelled);
        }
    }
}
