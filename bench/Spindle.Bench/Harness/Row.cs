namespace Spindle.Bench.Harness;

/// <summary>
/// One line of the results table: a Spindle figure, its baseline from the same run, and the goal between them.
/// A side that could not be measured carries the reason instead of a number.
/// </summary>
internal sealed record Row(string Id, string Title, string BaselineName, Goal Goal)
{
    public const string PythonMissing = "python3 not found: skipped";

    public const string NumpyMissing = "/usr/bin/python3 with numpy not found (scripts/ensure-numpy): skipped";

    private bool Skipped => BaselineProblem is PythonMissing or NumpyMissing;

    public Metric? Spindle { get; init; }

    public Metric? Baseline { get; init; }

    /// <summary>Why <see cref="Spindle"/> has no figure.</summary>
    public string? SpindleProblem { get; init; }

    /// <summary>Why <see cref="Baseline"/> has no figure.</summary>
    public string? BaselineProblem { get; init; }

    public string SpindleCell => Spindle?.Cell ?? $"failed: {SpindleProblem}";

    public string BaselineCell => Baseline?.Cell ?? (Skipped ? BaselineProblem! : $"failed: {BaselineProblem}");

    public string Ratio => Spindle is null || Baseline is null ? "-" : Goal.DescribeRatio(Spindle.SpeedupOver(Baseline), Spindle, Baseline);

    public string Result
    {
        get
        {
            if (Spindle is null)
            {
                return "ERROR";
            }

            if (Baseline is null)
            {
                return Skipped ? "SKIPPED" : "ERROR";
            }

            return Goal.Passed(Spindle.SpeedupOver(Baseline)) switch
            {
                true => "PASS",
                false => "MISS",
                null => "-",
            };
        }
    }
}
