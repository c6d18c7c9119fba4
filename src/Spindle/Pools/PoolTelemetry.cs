using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Spindle.Pools;

/// <summary>
/// What a pool tells the world: events (raised on Spindle's threads — keep handlers short) and counters on the
/// <c>Spindle</c> meter of <see cref="System.Diagnostics.Metrics"/>, tagged with the pool's name.
/// </summary>
internal sealed class PoolTelemetry
{
    public const string MeterName = "Spindle";

    private static readonly Meter Meter = new(MeterName, "0.1.0");
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("spindle.pool.calls", "{call}", "Calls that finished, tagged with their outcome.");
    private static readonly Counter<long> Crashes = Meter.CreateCounter<long>("spindle.pool.worker.crashes", "{worker}", "Workers that died on their own.");
    private static readonly Counter<long> Restarts = Meter.CreateCounter<long>("spindle.pool.worker.restarts", "{worker}", "Workers started to replace one that ended.");
    private static readonly Counter<long> Abandoned = Meter.CreateCounter<long>("spindle.pool.worker.abandoned", "{thread}", "Worker threads abandoned to calls that did not return after a timeout or cancellation, or at a terminate.");
    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("spindle.pool.call.retries", "{call}", "Calls run again after their worker crashed.");
    private static readonly ConcurrentDictionary<PoolTelemetry, Func<int>> QueueLengths = new();

    private readonly KeyValuePair<string, object?> _poolTag;

    static PoolTelemetry()
    {
        Meter.CreateObservableGauge("spindle.pool.queue.length", Observe, "{call}", "Calls waiting for a worker.");
    }

    public PoolTelemetry(string poolName, Func<int> queueLength)
    {
        PoolName = poolName;
        _poolTag = new("spindle.pool", poolName);
        QueueLengths[this] = queueLength;
    }

    public event EventHandler<WorkerStartedEventArgs>? WorkerStarted;

    public event EventHandler<WorkerExitedEventArgs>? WorkerExited;

    public event EventHandler<CallRetriedEventArgs>? CallRetried;

    public string PoolName { get; }

    public object? Sender { get; set; }

    public void Started(int workerId, bool replacement)
    {
        if (replacement)
        {
            Restarts.Add(1, _poolTag);
        }

        WorkerStarted?.Invoke(Sender, new WorkerStartedEventArgs(PoolName, workerId, replacement));
    }

    public void Exited(int workerId, WorkerExitReason reason, WorkerExit? exit)
    {
        if (reason == WorkerExitReason.Crashed)
        {
            Crashes.Add(1, _poolTag);
        }
        else if (reason == WorkerExitReason.Abandoned)
        {
            Abandoned.Add(1, _poolTag);
        }

        WorkerExited?.Invoke(Sender, new WorkerExitedEventArgs(PoolName, workerId, reason, exit));
    }

    public void Retried(long callId, int attempt, WorkerExit? crashed)
    {
        Retries.Add(1, _poolTag);
        CallRetried?.Invoke(Sender, new CallRetriedEventArgs(PoolName, callId, attempt, crashed));
    }

    public void Finished(PendingCall call) => Calls.Add(1, _poolTag, new("spindle.outcome", call.Outcome));

    public void Forget() => QueueLengths.TryRemove(this, out _);

    private static IEnumerable<Measurement<int>> Observe() =>
        QueueLengths.Select(p => new Measurement<int>(p.Value(), new KeyValuePair<string, object?>("spindle.pool", p.Key.PoolName)));
}
