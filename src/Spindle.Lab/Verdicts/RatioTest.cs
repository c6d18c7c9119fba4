namespace Spindle.Lab.Verdicts;

/// <summary>
/// Whether one set of samples lies above another by more than their spread: Welch's t-test on the samples'
/// logarithms, one-sided. The claims are about ratios ("a process costs N times a thread"), and on a log scale a ratio
/// is a difference; Welch's form does not assume the two spreads equal. It weighs how far apart the sets are, so two
/// samples of 360 KiB against three of 9-17 KiB show a difference, where a rank test (<see cref="RankTest"/>) cannot
/// with so few samples. Sets holding a value of zero or less (no logarithm) fall back to the rank test.
/// </summary>
internal static class RatioTest
{
    /// <summary>The one-sided p-value that <paramref name="above"/> lies above <paramref name="below"/>; 1 when either has fewer than two samples.</summary>
    public static double PAbove(IReadOnlyList<double> above, IReadOnlyList<double> below)
    {
        if (above.Count < 2 || below.Count < 2 || above.Concat(below).Any(v => double.IsNaN(v) || double.IsInfinity(v)))
        {
            return 1;
        }

        if (above.Concat(below).Any(v => v <= 0))
        {
            return RankTest.PAbove(above, below);
        }

        (double meanA, double varA) = MeanAndVariance(above);
        (double meanB, double varB) = MeanAndVariance(below);
        double errorA = varA / above.Count;
        double errorB = varB / below.Count;
        double standardError = Math.Sqrt(errorA + errorB);
        if (standardError == 0)
        {
            // Every sample the same on each side: the sets are apart exactly when their values differ.
            return meanA > meanB ? 0 : 1;
        }

        double t = (meanA - meanB) / standardError;

        // Welch-Satterthwaite degrees of freedom.
        double df = (errorA + errorB) * (errorA + errorB) / ((errorA * errorA / (above.Count - 1)) + (errorB * errorB / (below.Count - 1)));
        double tail = 0.5 * IncompleteBeta(df / (df + (t * t)), df / 2, 0.5);
        return t > 0 ? tail : 1 - tail;
    }

    private static (double Mean, double Variance) MeanAndVariance(IReadOnlyList<double> samples)
    {
        double[] logs = [.. samples.Select(static v => Math.Log(v))];
        double mean = logs.Average();
        return (mean, logs.Sum(l => (l - mean) * (l - mean)) / (logs.Length - 1));
    }

    /// <summary>The regularized incomplete beta function I_x(a, b), by its continued fraction (Numerical Recipes, betai).</summary>
    private static double IncompleteBeta(double x, double a, double b)
    {
        if (x <= 0)
        {
            return 0;
        }

        if (x >= 1)
        {
            return 1;
        }

        double front = Math.Exp((LogGamma(a + b) - LogGamma(a) - LogGamma(b)) + (a * Math.Log(x)) + (b * Math.Log(1 - x)));
        return x < (a + 1) / (a + b + 2)
            ? front * ContinuedFraction(x, a, b) / a
            : 1 - (front * ContinuedFraction(1 - x, b, a) / b);
    }

    private static double ContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300;
        double c = 1;
        double d = 1 - ((a + b) * x / (a + 1));
        d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
        double h = d;
        for (int m = 1; m <= 300; m++)
        {
            int m2 = 2 * m;
            double step = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 / Guard(1 + (step * d));
            c = Guard(1 + (step / c));
            h *= d * c;
            step = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 / Guard(1 + (step * d));
            c = Guard(1 + (step / c));
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < 1e-12)
            {
                break;
            }
        }

        return h;

        static double Guard(double v) => Math.Abs(v) < Tiny ? Tiny : v;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos).</summary>
    private static double LogGamma(double x)
    {
        ReadOnlySpan<double> c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
        double y = x;
        double tmp = x + 5.5;
        tmp -= (x + 0.5) * Math.Log(tmp);
        double series = 1.000000000190015;
        foreach (double coefficient in c)
        {
            series += coefficient / ++y;
        }

        return -tmp + Math.Log(2.5066282746310005 * series / x);
    }
}
