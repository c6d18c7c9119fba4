using System.Diagnostics;

namespace Spindle.Telemetry;

/// <summary>
/// Inside a worker process, one traced call: the <see cref="SpindleTelemetry.WorkerRunSpanName"/> span, a child of the
/// caller's span whose context came in the call frame (<see cref="TraceHeader"/>), and every span that ends in the same
/// trace while the call runs, whichever <see cref="ActivitySource"/> started it. They go back to the parent with the
/// result (<see cref="ShippedSpans"/>), where the app's exporters are.
/// </summary>
/// <remarks>
/// The worker listens only once a call carries a sampled context, and samples only activities of the trace of the call
/// it is running (their parent context is in that trace); untraced calls and work outside the call create nothing. At
/// most <see cref="SpindleTelemetry.MaxWorkerSpansPerCall"/> spans are kept per call, the run span always among them;
/// the rest are counted in the run span's <c>spindle.spans.dropped</c> tag.
/// </remarks>
internal sealed class WorkerRun
{
    public const string DroppedTag = "spindle.spans.dropped";

    private static readonly Lock ListenerGate = new();
    private static ActivityListener? _listener;

    /// <summary>The call this worker is tracing now (a worker runs one call at a time).</summary>
    private static WorkerRun? _current;

    private readonly ActivityTraceId _traceId;
    private readonly List<Activity> _finished = [];
    private readonly Activity? _previous;
    private Activity? _span;
    private int _dropped;
    private bool _closed;

    private WorkerRun(ActivityTraceId traceId, Activity? previous)
    {
        _traceId = traceId;
        _previous = previous;
    }

    /// <summary>The spans that ended during the call, the run span last; read once the run has ended.</summary>
    public IReadOnlyList<Activity> Finished => _finished;

    /// <summary>Spans that ended during the call but were not kept (past the bound).</summary>
    public int Dropped => _dropped;

    /// <summary>Starts the run span of call <paramref name="callId"/> under <paramref name="parent"/>, the caller's span; it is <c>Activity.Current</c> until <see cref="End"/>.</summary>
    public static WorkerRun Begin(ActivityContext parent, long callId)
    {
        EnsureListening();
        var run = new WorkerRun(parent.TraceId, Activity.Current);
        Volatile.Write(ref _current, run);
        Activity? span = SpindleTelemetry.Source.StartActivity(SpindleTelemetry.WorkerRunSpanName, ActivityKind.Server, parent);
        if (span is not null)
        {
            int pid = Environment.ProcessId;
            span.SetTag("process.pid", pid);
            span.SetTag(CallSpan.WorkerIdTag, pid);
            span.SetTag(CallSpan.CallIdTag, callId);
        }

        run._span = span;
        return run;
    }

    /// <summary>The call (or decoding it, or encoding its result) threw: the run span's status is Error.</summary>
    public void Fail(Exception exception)
    {
        if (_span is { } span)
        {
            span.SetTag(CallSpan.ErrorTypeTag, exception.GetType().FullName);
            span.SetStatus(ActivityStatusCode.Error, exception.Message);
            span.AddException(exception);
        }
    }

    /// <summary>Ends the run span; spans ending after this are not the call's.</summary>
    public void End()
    {
        if (_span is { } span)
        {
            if (_dropped > 0)
            {
                span.SetTag(DroppedTag, _dropped);
            }

            span.Stop();
        }

        Volatile.Write(ref _current, null);
        CallSpan.Restore(_previous);

        // A span of another thread may be ending right now, having seen this run still current: once closed, the
        // list no longer changes, so it can be sent.
        lock (_finished)
        {
            _closed = true;
        }
    }

    private void Keep(Activity activity)
    {
        lock (_finished)
        {
            if (_closed)
            {
                return;
            }

            // The run span ends last and always has a place.
            if (activity == _span || _finished.Count < SpindleTelemetry.MaxWorkerSpansPerCall - 1)
            {
                _finished.Add(activity);
            }
            else
            {
                _dropped++;
            }
        }
    }

    private static void EnsureListening()
    {
        if (Volatile.Read(ref _listener) is not null)
        {
            return;
        }

        lock (ListenerGate)
        {
            if (_listener is not null)
            {
                return;
            }

            var listener = new ActivityListener
            {
                ShouldListenTo = static _ => true,
                Sample = static (ref ActivityCreationOptions<ActivityContext> options) =>
                    Volatile.Read(ref _current) is { } run && options.Parent.TraceId == run._traceId
                        ? ActivitySamplingResult.AllDataAndRecorded
                        : ActivitySamplingResult.None,
                ActivityStopped = static activity =>
                {
                    if (Volatile.Read(ref _current) is { } run && activity.TraceId == run._traceId)
                    {
                        run.Keep(activity);
                    }
                },
            };
            ActivitySource.AddActivityListener(listener);
            Volatile.Write(ref _listener, listener);
        }
    }
}
