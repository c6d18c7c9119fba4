using System.Diagnostics;

namespace Spindle;

/// <summary>
/// The names under which Spindle reports traces and metrics, for an OpenTelemetry setup:
/// <c>.AddSource(SpindleTelemetry.ActivitySourceName)</c> and <c>.AddMeter(SpindleTelemetry.MeterName)</c>.
/// </summary>
/// <remarks>
/// Every call gets a <see cref="CallSpanName"/> span on the caller's side (kind Client with process isolation, Internal
/// with threads) when a listener samples it; with process isolation the worker continues the trace in a
/// <see cref="WorkerRunSpanName"/> span, and the spans user code starts in the worker come back with the result and
/// are emitted in the caller's process, under the call's span. Nothing is recorded, sent or allocated for this when
/// nobody listens. docs/architecture.md says where the trace context travels.
/// </remarks>
public static class SpindleTelemetry
{
    /// <summary>The name of Spindle's <see cref="ActivitySource"/>: "Spindle".</summary>
    public const string ActivitySourceName = "Spindle";

    /// <summary>The name of Spindle's meter: "Spindle" (through <see cref="WorkerPoolOptions.MeterFactory"/> when set).</summary>
    public const string MeterName = "Spindle";

    /// <summary>The caller's span of one call: "spindle.call" (the pool is in the <c>spindle.pool</c> tag).</summary>
    public const string CallSpanName = "spindle.call";

    /// <summary>A worker process's span of one call, a child of the call's span: "spindle.worker.run".</summary>
    public const string WorkerRunSpanName = "spindle.worker.run";

    /// <summary>The most spans a worker process sends back for one call (its run span included); more are counted, not sent.</summary>
    public const int MaxWorkerSpansPerCall = 256;

    /// <summary>The version both the activity source and the meter report.</summary>
    internal const string Version = "0.1.0";

    internal static readonly ActivitySource Source = new(ActivitySourceName, Version);
}
