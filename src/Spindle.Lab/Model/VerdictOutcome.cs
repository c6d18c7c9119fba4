namespace Spindle.Lab.Model;

/// <summary>How a claim fared against the measurements.</summary>
public enum VerdictOutcome
{
    /// <summary>The numbers agree with the claim.</summary>
    Confirmed,

    /// <summary>The numbers contradict the claim.</summary>
    Refuted,

    /// <summary>True in some settings measured here and false in others.</summary>
    Depends,

    /// <summary>The measurements the claim needs are missing from this run.</summary>
    NotMeasured,
}
