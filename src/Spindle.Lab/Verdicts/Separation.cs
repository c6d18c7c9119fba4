using System.Globalization;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// Whether one measurement's samples lie above another's beyond their spread (a one-sided test, see
/// <see cref="RatioTest"/>): a rule confirms "A costs more than B" only when the medians' ratio is large enough and this holds.
/// Its counterpart for "A costs no more than B" is <see cref="Parity"/>.
/// </summary>
internal sealed record Separation(double P, int CountAbove, int CountBelow)
{
    public bool Shown => P <= RankTest.Level;

    /// <summary>The test of <paramref name="above"/>'s samples lying above <paramref name="below"/>'s.</summary>
    public static Separation Of(IReadOnlyList<double> above, IReadOnlyList<double> below) =>
        new(RatioTest.PAbove(above, below), above.Count, below.Count);

    public override string ToString() => Describe(P, CountAbove, CountBelow);

    /// <summary>A one-sided test's p and sample counts, as the evidence prints them.</summary>
    public static string Describe(double p, int count, int countAgainst) =>
        $"one-sided test p = {(p < 0.001 ? "< 0.001" : p.ToString("0.###", CultureInfo.InvariantCulture))}, {count} vs {countAgainst} samples";
}
