namespace Spindle.Lab.Verdicts;

/// <summary>
/// Whether one set of samples tends to lie above another: the one-sided Mann-Whitney U test, for sets a log scale
/// cannot take (<see cref="RatioTest"/>). It looks at ranks, not
/// values, so a few outliers (a thread start that waited for the scheduler) do not decide it, and it needs no
/// assumption about the shape of either set. Exact for small sets, the normal approximation beyond.
/// </summary>
/// <remarks>
/// A median ratio alone says nothing of spread: three thread samples of 10, 50 and 200 µs against three process
/// samples of 12, 61 and 190 µs have a ratio of 1.22, and nothing separates them. With three samples a side, only
/// complete separation reaches p = 0.05 (1 arrangement in 20); with one a side, nothing can.
/// </remarks>
internal static class RankTest
{
    /// <summary>The level at or below which a difference counts as shown.</summary>
    public const double Level = 0.05;

    /// <summary>Above this many orderings the exact count is replaced by the normal approximation.</summary>
    private const int ExactPairs = 600;

    /// <summary>The one-sided p-value that <paramref name="above"/> tends to lie above <paramref name="below"/>; 1 when either is empty.</summary>
    public static double PAbove(IReadOnlyList<double> above, IReadOnlyList<double> below)
    {
        int n1 = above.Count;
        int n2 = below.Count;
        if (n1 == 0 || n2 == 0 || above.Concat(below).Any(double.IsNaN))
        {
            return 1;
        }

        // U: the pairs in which the first set's sample is the larger, a tie counting half.
        double u = 0;
        foreach (double a in above)
        {
            foreach (double b in below)
            {
                u += a > b ? 1 : a == b ? 0.5 : 0;
            }
        }

        return n1 * n2 <= ExactPairs ? ExactUpperTail(n1, n2, u) : NormalUpperTail(n1, n2, u);
    }

    /// <summary>P(U ≥ u) when every ordering of the n1 + n2 samples is equally likely (no difference).</summary>
    private static double ExactUpperTail(int n1, int n2, double u)
    {
        int max = n1 * n2;

        // ways[i, j][k]: orderings of i samples of the first set and j of the second whose U is k. The largest sample
        // is either of the first set (it beats all j others: U grows by j) or of the second (U unchanged).
        var ways = new double[n1 + 1, n2 + 1][];
        for (int i = 0; i <= n1; i++)
        {
            for (int j = 0; j <= n2; j++)
            {
                var row = new double[(i * j) + 1];
                if (i == 0 || j == 0)
                {
                    row[0] = 1;
                }
                else
                {
                    double[] lastFirst = ways[i - 1, j];
                    double[] lastSecond = ways[i, j - 1];
                    for (int k = 0; k < row.Length; k++)
                    {
                        row[k] = (k - j >= 0 && k - j < lastFirst.Length ? lastFirst[k - j] : 0) + (k < lastSecond.Length ? lastSecond[k] : 0);
                    }
                }

                ways[i, j] = row;
            }
        }

        double[] all = ways[n1, n2];
        double total = all.Sum();
        double tail = 0;
        for (int k = (int)Math.Ceiling(u); k <= max; k++)
        {
            tail += all[k];
        }

        return tail / total;
    }

    private static double NormalUpperTail(int n1, int n2, double u)
    {
        double mean = n1 * (double)n2 / 2;
        double sd = Math.Sqrt(n1 * (double)n2 * (n1 + n2 + 1) / 12);
        double z = (u - mean - 0.5) / sd;
        return 0.5 * Erfc(z / Math.Sqrt(2));
    }

    /// <summary>The complementary error function (Numerical Recipes' erfcc, relative error below 1.2e-7).</summary>
    private static double Erfc(double x)
    {
        ReadOnlySpan<double> c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        double z = Math.Abs(x);
        double t = 1 / (1 + (0.5 * z));
        double poly = 0;
        for (int i = c.Length - 1; i >= 0; i--)
        {
            poly = c[i] + (t * poly);
        }

        double r = t * Math.Exp(-(z * z) + poly);
        return x >= 0 ? r : 2 - r;
    }
}
