using System.Globalization;
using System.Text.Json;
using Spindle.Bench.Harness;

namespace Spindle.Bench.Ipc;

/// <summary>One run of a Python peer (bench/peers/mp_*.py) with every size, and rows comparing Spindle's figures with it.</summary>
internal sealed class PythonFigures(string peer, JsonElement? result, string? problem)
{
    public static async Task<PythonFigures> RunAsync(PythonPeer python, string script, IpcSettings settings, int[] latencySizes)
    {
        string name = script == "mp_pipe.py" ? "Python multiprocessing.Pipe" : "Python multiprocessing.Queue";
        if (!python.Available)
        {
            return new PythonFigures(name, null, Row.PythonMissing);
        }

        string[] args =
        [
            "--rt-sizes", Join(latencySizes),
            "--rt-counts", Join(latencySizes.Select(s => Math.Max(2, settings.RoundTrips(s) / 2))),
            "--tp-sizes", Join(settings.BurstSizes),
            "--tp-messages", Join(settings.BurstSizes.Select(settings.BurstMessages)),
            "--reps", settings.Rounds.ToString(CultureInfo.InvariantCulture),
        ];
        try
        {
            return new PythonFigures(name, await python.RunAsync(script, settings.PeerTimeout, args), null);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or JsonException)
        {
            return new PythonFigures(name, null, e.Message);
        }
    }

    public Row Versus(string id, string title, Metric spindle, string field, Unit unit, Goal goal)
    {
        Metric? baseline = result is { } json && json.TryGetProperty(field, out JsonElement samples)
            ? Metric.Of(samples.EnumerateArray().Select(e => e.GetDouble()), unit)
            : null;
        return new Row(id, title, baseline is null ? peer : $"{peer} ({baseline.Summary.Count:N0})", goal)
        {
            Spindle = spindle,
            Baseline = baseline,
            BaselineProblem = problem ?? (baseline is null ? $"no {field} in the peer's output" : null),
        };
    }

    private static string Join(IEnumerable<int> values) => string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));
}
