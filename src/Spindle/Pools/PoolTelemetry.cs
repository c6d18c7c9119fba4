using System.Diagnostics;
using System.Diagnostics.Metrics;
using Spindle.Backends;
using Spindle.Telemetry;

namespace Spindle.Pools;

/// <summary>
/// What a pool tells the world: events (raised on Spindle's threads — keep handlers short), metrics on the
/// <c>Spindle</c> meter of <see cref="System.Diagnostics.Metrics"/> (<see cref="PoolInstruments"/>), tagged with the
/// pool's name, and the stages of each call's span (<see cref="CallSpan"/>).
/// </summary>
internal sealed class PoolTelemetry
{
    private readonly PoolInstruments _instruments;
    private readonly Func<int> _queueLength;
    private readonly Func<int> _busyWorkers;
    private readonly KeyValuePair<string, object?> _poolTag;

    public PoolTelemetry(string poolName, IMeterFactory? meterFactory, Func<int> queueLength, Func<int> busyWorkers)
    {
        PoolName = poolName;
        _poolTag = new(CallSpan.PoolTag, poolName);
        _queueLength = queueLength;
        _busyWorkers = busyWorkers;
        _instruments = PoolInstruments.For(meterFactory);
        _instruments.Register(this);
    }

    public event EventHandler<WorkerStartedEventArgs>? WorkerStarted;

    public event EventHandler<WorkerExitedEventArgs>? WorkerExited;

    public event EventHandler<CallRetriedEventArgs>? CallRetried;

    public string PoolName { get; }

    public object? Sender { get; set; }

    public int QueueLength => _queueLength();

    public int BusyWorkers => _busyWorkers();

    /// <summary>Whether anyone listens to the duration histograms: only then does a call note when it was submitted.</summary>
    public bool MeasuresCalls => _instruments.CallDuration.Enabled || _instruments.QueueWait.Enabled;

    public void Started(int workerId, bool replacement)
    {
        if (replacement)
        {
            _instruments.Restarts.Add(1, _poolTag);
        }

        WorkerStarted?.Invoke(Sender, new WorkerStartedEventArgs(PoolName, workerId, replacement));
    }

    public void Exited(int workerId, WorkerExitReason reason, WorkerExit? exit)
    {
        if (reason == WorkerExitReason.Crashed)
        {
            _instruments.Crashes.Add(1, _poolTag);
        }
        else if (reason == WorkerExitReason.Abandoned)
        {
            _instruments.Abandoned.Add(1, _poolTag);
        }

        WorkerExited?.Invoke(Sender, new WorkerExitedEventArgs(PoolName, workerId, reason, exit));
    }

    public void Retried(long callId, int attempt, WorkerExit? crashed)
    {
        _instruments.Retries.Add(1, _poolTag);
        CallRetried?.Invoke(Sender, new CallRetriedEventArgs(PoolName, callId, attempt, crashed));
    }

    /// <summary>A worker took the call: its queue wait (first run only) and its span's dispatched event.</summary>
    public void Dispatched(PendingCall call, CallTelemetry telemetry, PoolWorker worker)
    {
        if (telemetry.SubmittedAt != 0 && call.CrashedAttempts == 0)
        {
            _instruments.QueueWait.Record(Stopwatch.GetElapsedTime(telemetry.SubmittedAt).TotalSeconds, _poolTag);
        }

        if (telemetry.Span is { } span)
        {
            CallSpan.Dispatched(span, worker, call.CrashedAttempts + 1);
        }
    }

    public void Finished(PendingCall call) => _instruments.Calls.Add(1, _poolTag, new(CallSpan.OutcomeTag, call.Outcome));

    /// <summary>A call's time from submission to completion (see <see cref="CallTelemetry.Completing"/>).</summary>
    public void RecordDuration(TimeSpan duration, string outcome) =>
        _instruments.CallDuration.Record(duration.TotalSeconds, _poolTag, new(CallSpan.OutcomeTag, outcome));

    public void Forget() => _instruments.Forget(this);
}
