using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Spindle;
using Spindle.Tests.Support;

namespace Spindle.Tests.Telemetry;

/// <summary>
/// A pool given an <see cref="IMeterFactory"/> (as a host's dependency injection gives one) reports on the factory's
/// meter, not the shared static one: call counts, call duration and queue wait histograms, and the busy-workers gauge.
/// </summary>
[Collection(TelemetryCollection.Name)]
public class MetricsTests
{
    [Theory]
    [MemberData(nameof(TestPools.BothIsolations), MemberType = typeof(TestPools))]
    public async Task RunAsync_PoolWithMeterFactory_ReportsDurationsAndCountsOnTheFactorysMeter(Isolation isolation)
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        string name = $"metered-{isolation}";
        using var fromFactory = new Recorder(instrument => instrument.Meter.Scope == factory);
        using var fromShared = new Recorder(instrument => instrument.Meter.Scope is null);
        await using WorkerPool pool = TestPools.Create(isolation, workers: 1, o => { o.Name = name; o.MeterFactory = factory; });

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(i + 1, await pool.RunAsync(static x => x + 1, i).Within("a measured call"));
        }

        Measured[] duration = fromFactory.Of("spindle.pool.call.duration", name);
        Assert.Equal(3, duration.Length);
        Assert.All(duration, m => Assert.Equal("ok", m.Tags["spindle.outcome"]));
        Assert.All(duration, m => Assert.True(m.Value > 0));
        Assert.Equal("s", fromFactory.Unit("spindle.pool.call.duration"));
        Assert.Equal(3, fromFactory.Of("spindle.pool.queue.wait", name).Length);
        // The calls counter counts a call in the pool's last bookkeeping, which may come just after the caller resumes.
        await Bounded.Eventually(() => fromFactory.Of("spindle.pool.calls", name).Sum(m => m.Value) == 3, "three calls are counted");
        Assert.Empty(fromShared.Of("spindle.pool.calls", name));
        Assert.Empty(fromShared.Of("spindle.pool.call.duration", name));
    }

    [Fact]
    public async Task WorkersBusyGauge_CallRunning_CountsItsWorker()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        IMeterFactory factory = services.GetRequiredService<IMeterFactory>();
        using var recorder = new Recorder(instrument => instrument.Meter.Scope == factory);
        await using WorkerPool pool = TestPools.Thread(workers: 2, o => { o.Name = "busy-gauge"; o.MeterFactory = factory; o.CheckProcessBoundary = false; });
        using var started = new SemaphoreSlim(0);
        using var release = new SemaphoreSlim(0);

        Task running = pool.RunAsync(() => { started.Release(); release.Wait(Bounded.Unexpected); });
        Assert.True(await started.WaitAsync(Bounded.Unexpected), "the call never started");
        recorder.Collect();
        release.Release();
        await running.Within("the held call");
        recorder.Collect();

        Measured[] busy = recorder.Of("spindle.pool.workers.busy", "busy-gauge");
        Assert.Equal([1, 0], busy.Select(m => m.Value));
        Assert.Equal(0, recorder.Of("spindle.pool.queue.length", "busy-gauge").Last().Value);
    }

    [Fact]
    public async Task SharedMeter_NoFactory_PoolReportsOnTheStaticSpindleMeter()
    {
        using var recorder = new Recorder(instrument => instrument.Meter.Scope is null);
        await using WorkerPool pool = TestPools.Thread(workers: 1, o => o.Name = "shared-meter");

        await pool.RunAsync(static () => 1).Within("a measured call");

        Assert.Single(recorder.Of("spindle.pool.call.duration", "shared-meter"));
        await Bounded.Eventually(() => recorder.Of("spindle.pool.calls", "shared-meter").Length == 1, "the call is counted");
    }

    internal sealed record Measured(double Value, IReadOnlyDictionary<string, object?> Tags);

    /// <summary>Records every measurement of the Spindle meters <paramref name="include"/> accepts.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(Instrument Instrument, Measured Measured)> _seen = new();

        public Recorder(Func<Instrument, bool> include)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == SpindleTelemetry.MeterName && include(instrument))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Keep(i, v, tags));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Keep(i, v, tags));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Keep(i, v, tags));
            _listener.Start();
        }

        public void Collect() => _listener.RecordObservableInstruments();

        public Measured[] Of(string instrument, string pool) =>
            [.. _seen.Where(s => s.Instrument.Name == instrument && Equals(s.Measured.Tags.GetValueOrDefault("spindle.pool"), pool)).Select(s => s.Measured)];

        public string? Unit(string instrument) => _seen.First(s => s.Instrument.Name == instrument).Instrument.Unit;

        public void Dispose() => _listener.Dispose();

        private void Keep(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
            _seen.Enqueue((instrument, new Measured(value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value))));
    }
}
