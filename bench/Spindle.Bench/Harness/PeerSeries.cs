using System.Text.Json;

namespace Spindle.Bench.Harness;

/// <summary>
/// Samples gathered from several runs of one Python peer, so its reps can be interleaved with the bench's own
/// (drift on a noisy machine then hits both sides alike). The first failure stops the series and is reported.
/// </summary>
internal sealed class PeerSeries(PythonPeer python, string script, string field, Unit unit, TimeSpan timeout, string[] args)
{
    private readonly List<double> _samples = [];

    /// <summary>Why there is no figure: python3 missing, or the first failed run.</summary>
    public string? Problem { get; private set; } = python.Available ? null : Row.PythonMissing;

    public Metric? Metric => Problem is null && _samples.Count > 0 ? Metric.Of(_samples, unit) : null;

    /// <summary>" (N)" with the number of samples, or nothing when there are none.</summary>
    public string CountSuffix => Metric is { } metric ? $" ({metric.Summary.Count:N0})" : "";

    public async Task RunOnceAsync()
    {
        if (Problem is not null)
        {
            return;
        }

        try
        {
            JsonElement result = await python.RunAsync(script, timeout, args);
            _samples.AddRange(result.GetProperty(field).EnumerateArray().Select(e => e.GetDouble()));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or JsonException or KeyNotFoundException or System.ComponentModel.Win32Exception)
        {
            Problem = e.Message;
        }
    }
}
