namespace Spindle.Lab.Model;

/// <summary>A claim of the seed documents judged against this run's numbers.</summary>
/// <param name="Source">Where the claim comes from, e.g. "table: Context Switching" or "use threads when".</param>
/// <param name="Claim">The claim, quoted or closely paraphrased.</param>
/// <param name="Outcome">Confirmed, refuted, depends, or not measured.</param>
/// <param name="Evidence">The numbers behind the verdict.</param>
/// <param name="Why">One sentence explaining the verdict.</param>
/// <param name="ProcessFigure">For a row of the comparison table: the measured figure for processes.</param>
/// <param name="ThreadFigure">For a row of the comparison table: the measured figure for threads.</param>
public sealed record Verdict(string Source, string Claim, VerdictOutcome Outcome, string Evidence, string Why, string? ProcessFigure = null, string? ThreadFigure = null);
