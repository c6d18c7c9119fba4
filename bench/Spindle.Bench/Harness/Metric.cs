namespace Spindle.Bench.Harness;

/// <summary>A summarized measurement in its unit.</summary>
internal sealed record Metric(Summary Summary, Unit Unit)
{
    public static Metric Of(IEnumerable<double> samples, Unit unit) => new(Summary.Of(samples), unit);

    /// <summary>"median [min – max]", e.g. "31.2 µs [28.0 – 410]".</summary>
    public string Cell =>
        $"{Unit.Format(Summary.Median)} [{Unit.Number(Summary.Min)} – {Unit.Number(Summary.Max)}]";

    /// <summary>How many times better than <paramref name="baseline"/> (below 1: worse), from the medians.</summary>
    public double SpeedupOver(Metric baseline) =>
        Unit.HigherIsBetter ? Summary.Median / baseline.Summary.Median : baseline.Summary.Median / Summary.Median;
}
