using System.Text.Json.Serialization;

namespace Spindle.Lab.Model;

/// <summary>One quantity measured several times: every sample is kept; min, median and max are derived from them.</summary>
public sealed class Measurement
{
    /// <summary>What was measured, e.g. "thread start+join" or "pipe (processes)".</summary>
    public required string Series { get; init; }

    /// <summary>Which side of the comparison it belongs to: thread, process or async.</summary>
    public required Subject Subject { get; init; }

    /// <summary>Whether the row measures one of Spindle's types (as opposed to a raw OS mechanism or a peer language).</summary>
    public Origin Origin { get; init; } = Origin.Raw;

    /// <summary>The layer the number is measured at: an OS primitive, .NET (the runtime or Spindle), or Python.</summary>
    public required Level Level { get; init; }

    /// <summary>The unit of every sample, e.g. "µs", "KiB", "MB/s", "x".</summary>
    public required string Unit { get; init; }

    /// <summary>The independent variable when there is one (message size in bytes, number of workers).</summary>
    public double? X { get; init; }

    /// <summary>What <see cref="X"/> means, e.g. "bytes" or "workers".</summary>
    public string? XUnit { get; init; }

    /// <summary>Every sample, in the order taken.</summary>
    public required IReadOnlyList<double> Samples { get; init; }

    /// <summary>How the samples were taken, in a sentence.</summary>
    public string? Note { get; init; }

    /// <summary>The smallest sample.</summary>
    public double Min => Samples.Min();

    /// <summary>The median sample (mean of the middle two for an even count).</summary>
    public double Median => MedianOf(Samples);

    /// <summary>The largest sample.</summary>
    public double Max => Samples.Max();

    /// <summary>Number of samples.</summary>
    [JsonIgnore]
    public int Count => Samples.Count;

    /// <summary>The median of <paramref name="values"/>.</summary>
    public static double MedianOf(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("A median needs at least one value.", nameof(values));
        }

        double[] sorted = [.. values.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
