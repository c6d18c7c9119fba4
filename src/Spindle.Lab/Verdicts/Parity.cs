using static Spindle.Lab.Verdicts.Evidence;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// Whether one measurement's samples lie below <see cref="Margin"/> times another's beyond their spread: a rule says
/// "A costs no more than B" (the same, or less) only when the medians say so and this holds. Medians close together
/// prove nothing when the samples scatter: failing to show a difference (<see cref="Separation"/>) is not showing its
/// absence. On a log scale "A below m times B" is "B's logarithms plus log m above A's", so the test is
/// <see cref="RatioTest"/> with the other side's samples multiplied by the margin, one-sided.
/// </summary>
internal sealed record Parity(double P, double Margin, int Count, int CountAgainst)
{
    public bool Shown => P <= RankTest.Level;

    /// <summary>
    /// Shown when this is one of <paramref name="alternatives"/> tests any one of which would carry the verdict: each
    /// must then pass at the level divided by their number (Bonferroni), so the chance that one passes by accident stays
    /// at the level.
    /// </summary>
    public bool ShownAmong(int alternatives)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(alternatives, 1);
        return P <= RankTest.Level / alternatives;
    }

    /// <summary>The test of <paramref name="samples"/> lying below <paramref name="margin"/> times <paramref name="against"/>.</summary>
    public static Parity Of(IReadOnlyList<double> samples, IReadOnlyList<double> against, double margin)
    {
        if (!(margin >= 1) || double.IsInfinity(margin))
        {
            throw new ArgumentOutOfRangeException(nameof(margin), margin, "A margin is a finite ratio of at least 1 (1.2 allows A up to 20% above B).");
        }

        return new(RatioTest.PAbove([.. against.Select(v => v * margin)], samples), margin, samples.Count, against.Count);
    }

    public override string ToString() => $"ratio under {Ratio(Margin)}: {Separation.Describe(P, Count, CountAgainst)}";
}
