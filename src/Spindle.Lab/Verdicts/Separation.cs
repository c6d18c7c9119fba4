using System.Globalization;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// Whether one measurement's samples lie above another's beyond their spread (a one-sided test, see
/// <see cref="RatioTest"/>): a rule confirms "A costs more than B" only when the medians' ratio is large enough and this holds.
/// </summary>
internal sealed record Separation(double P, int CountAbove, int CountBelow)
{
    public bool Shown => P <= RankTest.Level;

    public override string ToString() =>
        $"one-sided test p = {(P < 0.001 ? "< 0.001" : P.ToString("0.###", CultureInfo.InvariantCulture))}, {CountAbove} vs {CountBelow} samples";
}
