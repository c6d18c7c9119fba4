using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Rules;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// One measurement against another, read as the rules on two measurements read it: dearer when the medians are at
/// least <see cref="Rules.Clearly"/> apart and the samples lie above the other side's (<see cref="Separation"/>), no
/// dearer when they are not and the samples lie below that many times the other side's (<see cref="Parity"/>). Either
/// way the samples must show what the medians say; when they do not, the claim "depends".
/// </summary>
internal sealed record Comparison(double MedianRatio, Separation Above, Parity Within)
{
    /// <summary>The medians say dearer.</summary>
    public bool Dearer => MedianRatio >= Clearly;

    /// <summary>The samples show what the medians say.</summary>
    public bool Shown => Dearer ? Above.Shown : Within.Shown;

    /// <summary>Confirmed (dearer, shown), refuted (no dearer, shown) or depends (not shown).</summary>
    public VerdictOutcome Outcome => !Shown ? VerdictOutcome.Depends : Dearer ? VerdictOutcome.Confirmed : VerdictOutcome.Refuted;

    /// <summary>The test of the samples that bears on what the medians say, as the evidence prints it.</summary>
    public string Test => Dearer ? $"{Above}" : $"{Within}";

    /// <summary>Two measurements' samples compared; the ratio is of their medians.</summary>
    public static Comparison Of(Measurement side, Measurement against) =>
        new(side.Median / against.Median, Separation.Of(side.Samples, against.Samples), Parity.Of(side.Samples, against.Samples, Clearly));

    /// <summary>Why what the medians say (<paramref name="medianSays"/>: "a process cost 1.22x as much as a thread") is not shown.</summary>
    public string NotShown(string medianSays) => Dearer ? Inconclusive.Overlap(medianSays, Above) : Inconclusive.Scatter(medianSays, Within);

    /// <summary>Why what the medians say is not shown, as a clause naming whose <paramref name="samples"/> they are.</summary>
    public string Doubt(string samples = "the samples") => Dearer ? Inconclusive.Overlapping(Above, samples) : Inconclusive.Scattered(Within, samples);
}
