namespace Spindle.Tests.Telemetry;

/// <summary>
/// Listeners are process-wide: a test that listens to Spindle's activity source would see other tests' calls, and a
/// test that checks nothing is recorded without a listener would see this one's. These tests run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry (process-wide listeners)";
}
