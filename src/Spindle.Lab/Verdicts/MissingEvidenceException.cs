namespace Spindle.Lab.Verdicts;

/// <summary>A claim needs a number this run did not measure; the claim is then judged "not measured".</summary>
internal sealed class MissingEvidenceException(string message) : Exception(message);
