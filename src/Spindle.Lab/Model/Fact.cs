namespace Spindle.Lab.Model;

/// <summary>An observed outcome that is not a number to chart, e.g. how a process ended.</summary>
/// <param name="Name">What was observed.</param>
/// <param name="Value">What happened, in plain words.</param>
public sealed record Fact(string Name, string Value);
