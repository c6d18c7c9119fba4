namespace Spindle.Lab.Model;

/// <summary>A part of an experiment that was not measured, and why; the lab never fills the gap with a guess.</summary>
/// <param name="What">The measurement that is missing.</param>
/// <param name="Reason">Why it could not be measured on this machine or in this run.</param>
public sealed record MissingPart(string What, string Reason);
