namespace Spindle.Lab.Verdicts;

/// <summary>
/// What a rule says when the medians point one way and the samples do not bear them out: the verdict is "depends",
/// and the why names what the medians said, the test that did not pass and what to do about it.
/// </summary>
internal static class Inconclusive
{
    /// <summary>Medians that look like a difference, from samples that overlap too much for their count.</summary>
    public static string Overlap(string medianSays, Separation separation) => Because(medianSays, Overlapping(separation));

    /// <summary>Medians that look alike, from samples that scatter too widely to show them within the margin of each other.</summary>
    public static string Scatter(string medianSays, Parity parity) => Because(medianSays, Scattered(parity));

    /// <summary>Why a difference is not shown, as a clause: for a why that weighs several comparisons, each with its own samples.</summary>
    public static string Overlapping(Separation separation, string samples = "the samples") => $"{samples} overlap too much to say so ({separation})";

    /// <summary>Why "no dearer" is not shown, as a clause (see <see cref="Overlapping"/>).</summary>
    public static string Scattered(Parity parity, string samples = "the samples") => $"{samples} spread too widely to say so ({parity})";

    private static string Because(string medianSays, string but) =>
        $"At the median {medianSays}, but {but}: measure again with more repetitions, on a quieter machine.";
}
