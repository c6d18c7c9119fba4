namespace Spindle.Lab.Compare;

/// <summary>A file given to compare is missing or is not a report.json written by <c>spindle lab</c>.</summary>
public sealed class InvalidReportException(string path, string reason) : Exception($"{path} {reason}")
{
    /// <summary>The file as the user named it.</summary>
    public string Path { get; } = path;

    /// <summary>What is wrong with it, in plain words.</summary>
    public string Reason { get; } = reason;
}
