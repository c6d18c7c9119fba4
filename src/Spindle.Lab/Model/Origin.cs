namespace Spindle.Lab.Model;

/// <summary>Whose code a measurement runs.</summary>
public enum Origin
{
    /// <summary>A raw operating-system mechanism or plain .NET primitive (the baseline).</summary>
    Raw,

    /// <summary>One of Spindle's types.</summary>
    Spindle,

    /// <summary>The same work in Python (the seeds' language).</summary>
    Python,
}
