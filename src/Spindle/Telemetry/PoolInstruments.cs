using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Spindle.Pools;

namespace Spindle.Telemetry;

/// <summary>
/// The instruments of one meter, shared by every pool that reports through it: the static <see cref="Shared"/> meter,
/// or the meter a host's <see cref="IMeterFactory"/> gives (<see cref="WorkerPoolOptions.MeterFactory"/>), which the
/// factory hands out once per name, so pools of one host share it too. Pools tag what they report with <c>spindle.pool</c>.
/// </summary>
/// <remarks>
/// Names, units and descriptions follow OpenTelemetry's semantic conventions: durations are histograms in seconds
/// (<c>s</c>), counts are <c>{call}</c>, <c>{worker}</c> or <c>{thread}</c>. The gauges read each pool registered
/// with <see cref="Register"/> when a listener collects.
/// </remarks>
internal sealed class PoolInstruments
{
    private static readonly ConditionalWeakTable<Meter, PoolInstruments> ByMeter = new();

    // The bucket boundaries OpenTelemetry recommends for durations in seconds (as HTTP's request duration uses).
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    private readonly ConcurrentDictionary<PoolTelemetry, byte> _pools = new();

    private PoolInstruments(Meter meter)
    {
        Calls = meter.CreateCounter<long>("spindle.pool.calls", "{call}", "Calls that finished, tagged with their outcome.");
        Crashes = meter.CreateCounter<long>("spindle.pool.worker.crashes", "{worker}", "Workers that died on their own.");
        Restarts = meter.CreateCounter<long>("spindle.pool.worker.restarts", "{worker}", "Workers started to replace one that ended.");
        Abandoned = meter.CreateCounter<long>("spindle.pool.worker.abandoned", "{thread}", "Worker threads abandoned to calls that did not return after a timeout or cancellation, or at a terminate.");
        Retries = meter.CreateCounter<long>("spindle.pool.call.retries", "{call}", "Calls run again after their worker crashed.");
        CallDuration = meter.CreateHistogram<double>(
            "spindle.pool.call.duration", "s", "Time from a call's submission until its task completed, queue wait included, tagged with its outcome.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        QueueWait = meter.CreateHistogram<double>(
            "spindle.pool.queue.wait", "s", "Time a call waited from its submission until a worker took it.",
            tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        meter.CreateObservableGauge("spindle.pool.queue.length", () => Observe(static p => p.QueueLength), "{call}", "Calls waiting for a worker.");
        meter.CreateObservableGauge("spindle.pool.workers.busy", () => Observe(static p => p.BusyWorkers), "{worker}", "Workers running a call.");
    }

    /// <summary>The instruments of the static "Spindle" meter, for pools without a <see cref="WorkerPoolOptions.MeterFactory"/>.</summary>
    public static PoolInstruments Shared { get; } = new(new Meter(SpindleTelemetry.MeterName, SpindleTelemetry.Version));

    public Counter<long> Calls { get; }

    public Counter<long> Crashes { get; }

    public Counter<long> Restarts { get; }

    public Counter<long> Abandoned { get; }

    public Counter<long> Retries { get; }

    public Histogram<double> CallDuration { get; }

    public Histogram<double> QueueWait { get; }

    /// <summary>The instruments for pools whose options name <paramref name="factory"/> (or <see cref="Shared"/> without one).</summary>
    public static PoolInstruments For(IMeterFactory? factory) => factory is null
        ? Shared
        : ByMeter.GetValue(factory.Create(new MeterOptions(SpindleTelemetry.MeterName) { Version = SpindleTelemetry.Version }), static m => new PoolInstruments(m));

    /// <summary>Includes <paramref name="pool"/> in the gauges until <see cref="Forget"/>.</summary>
    public void Register(PoolTelemetry pool) => _pools[pool] = 0;

    public void Forget(PoolTelemetry pool) => _pools.TryRemove(pool, out _);

    private IEnumerable<Measurement<int>> Observe(Func<PoolTelemetry, int> read) =>
        _pools.Keys.Select(p => new Measurement<int>(read(p), new KeyValuePair<string, object?>(CallSpan.PoolTag, p.PoolName)));
}
