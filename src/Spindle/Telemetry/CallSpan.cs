using System.Diagnostics;
using Spindle.Backends;

namespace Spindle.Telemetry;

/// <summary>
/// The caller's span of one call (<see cref="SpindleTelemetry.CallSpanName"/>): started at the call site under the
/// caller's <c>Activity.Current</c>, tagged when a worker takes the call, ended just before the call's task completes
/// (so a caller that awaits the task finds the span ended). Only touched when a listener sampled it.
/// </summary>
/// <remarks>
/// Queue wait and run are events on this span, not child spans: <c>spindle.call.dispatched</c> marks the moment a
/// worker took the call (each attempt), so the queue wait is the time from the span's start to that event. With
/// process isolation the worker's own <see cref="SpindleTelemetry.WorkerRunSpanName"/> span shows the run; with threads
/// the delegate runs under this span (it is <c>Activity.Current</c> there), so its own spans are this span's children.
/// </remarks>
internal static class CallSpan
{
    public const string PoolTag = "spindle.pool";
    public const string IsolationTag = "spindle.isolation";
    public const string FunctionTag = "code.function.name";
    public const string CallIdTag = "spindle.call.id";
    public const string WorkerIdTag = "spindle.worker.id";
    public const string OutcomeTag = "spindle.outcome";
    public const string AttemptTag = "spindle.call.attempt";
    public const string ErrorTypeTag = "error.type";
    public const string DispatchedEvent = "spindle.call.dispatched";

    /// <summary>
    /// Starts the span of a call about to be submitted; null when no listener samples it. The span becomes
    /// <c>Activity.Current</c>: the caller captures what must see it (a thread call's context), then puts
    /// <paramref name="previous"/> back.
    /// </summary>
    public static Activity? Start(string poolName, Isolation isolation, Delegate fn, out Activity? previous)
    {
        previous = Activity.Current;
        Activity? span = SpindleTelemetry.Source.StartActivity(
            SpindleTelemetry.CallSpanName, isolation == Isolation.Process ? ActivityKind.Client : ActivityKind.Internal);
        if (span is { IsAllDataRequested: true })
        {
            span.SetTag(PoolTag, poolName);
            span.SetTag(IsolationTag, isolation == Isolation.Process ? "process" : "thread");
            span.SetTag(FunctionTag, fn.Method.DeclaringType is { } type ? $"{type.FullName}.{fn.Method.Name}" : fn.Method.Name);
        }

        return span;
    }

    /// <summary>The call was handed to <paramref name="worker"/> (its first run, or a retry after a crash).</summary>
    public static void Dispatched(Activity span, PoolWorker worker, int attempt)
    {
        if (!span.IsAllDataRequested)
        {
            return;
        }

        span.SetTag(WorkerIdTag, worker.Id);
        span.AddEvent(new ActivityEvent(DispatchedEvent, tags: new ActivityTagsCollection
        {
            [WorkerIdTag] = worker.Id,
            [AttemptTag] = attempt,
        }));
    }

    /// <summary>
    /// Ends the span with the call's outcome; an error sets status Error with the exception's type. Stopping an activity
    /// makes the one current when it started current again, on whatever thread stops it: this thread's own is put back.
    /// </summary>
    public static void End(Activity span, long callId, int attempt, Exception? error, bool cancelled)
    {
        if (span.IsAllDataRequested)
        {
            if (callId != 0)
            {
                span.SetTag(CallIdTag, callId);
            }

            span.SetTag(AttemptTag, attempt);
            span.SetTag(OutcomeTag, Outcome(error, cancelled));
            if (error is not null)
            {
                string type = error is RemoteException remote ? remote.RemoteType : error.GetType().FullName ?? error.GetType().Name;
                span.SetTag(ErrorTypeTag, type);
                span.SetStatus(ActivityStatusCode.Error, error.Message);
                span.AddException(error);
            }
        }

        Activity? current = Activity.Current;
        span.Stop();
        Restore(current);
    }

    /// <summary>
    /// Makes <paramref name="previous"/> current again. A stopped activity cannot be made current (the setter ignores
    /// it), and leaving a span of ours current instead would leak it into the caller's flow: then none is.
    /// </summary>
    public static void Restore(Activity? previous) => Activity.Current = previous is { IsStopped: true } ? null : previous;

    /// <summary>The <c>spindle.outcome</c> of a call: ok, cancelled, crashed, timeout or failed (as the calls counter says).</summary>
    public static string Outcome(Exception? error, bool cancelled) => cancelled ? "cancelled" : error switch
    {
        null => "ok",
        WorkerCrashedException => "crashed",
        CallTimeoutException => "timeout",
        _ => "failed",
    };
}
