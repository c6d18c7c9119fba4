namespace Spindle.Bench.Harness;

/// <summary>Median, min and max of a set of samples: the median resists the outliers a noisy machine produces.</summary>
internal sealed record Summary(double Median, double Min, double Max, int Count)
{
    public static Summary Of(IEnumerable<double> samples)
    {
        double[] sorted = [.. samples];
        if (sorted.Length == 0)
        {
            throw new ArgumentException("No samples were taken.", nameof(samples));
        }

        Array.Sort(sorted);
        int mid = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return new Summary(median, sorted[0], sorted[^1], sorted.Length);
    }
}
