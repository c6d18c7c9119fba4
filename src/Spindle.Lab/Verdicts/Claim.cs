using Spindle.Lab.Model;

namespace Spindle.Lab.Verdicts;

/// <summary>What a rule decides about a claim: the outcome, the numbers behind it, and why.</summary>
internal sealed record Judgement(VerdictOutcome Outcome, string Evidence, string Why, string? ProcessFigure = null, string? ThreadFigure = null);

/// <summary>A claim from the seed documents and the rule that judges it from the measurements.</summary>
internal sealed record Claim(string Source, string Text, Func<Evidence, Judgement> Rule)
{
    public Verdict Judge(Evidence evidence)
    {
        try
        {
            Judgement j = Rule(evidence);
            return new Verdict(Source, Text, j.Outcome, j.Evidence, j.Why, j.ProcessFigure, j.ThreadFigure);
        }
        catch (MissingEvidenceException e)
        {
            return new Verdict(Source, Text, VerdictOutcome.NotMeasured, e.Message, "The measurements this claim needs are missing from this run.", "not measured", "not measured");
        }
    }
}
