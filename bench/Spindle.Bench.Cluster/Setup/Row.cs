using Spindle.Bench.Harness;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>One line of the table: a Spindle figure, its baseline from the same run, and the goal between them.</summary>
internal sealed record Row(string Id, string Title, string BaselineName, Goal Goal)
{
    public Metric? Spindle { get; init; }

    public Metric? Baseline { get; init; }

    public string? SpindleProblem { get; init; }

    /// <summary>Why the baseline has no figure; "...: skipped" when a peer is not installed.</summary>
    public string? BaselineProblem { get; init; }

    public string SpindleCell => Spindle?.Cell ?? $"failed: {SpindleProblem}";

    public string BaselineCell => Baseline?.Cell ?? (Skipped ? BaselineProblem! : $"failed: {BaselineProblem}");

    public string Ratio => Spindle is null || Baseline is null ? "-" : Goal.DescribeRatio(Spindle.SpeedupOver(Baseline), Spindle, Baseline);

    private bool Skipped => BaselineProblem?.EndsWith("skipped", StringComparison.Ordinal) == true;

    public string Result =>
        Spindle is null ? "ERROR"
        : Baseline is null ? (Skipped ? "SKIPPED" : "ERROR")
        : Goal.Passed(Spindle.SpeedupOver(Baseline)) switch { true => "PASS", false => "MISS", null => "-" };

    public static Row Failed(string id, string title, Exception e) =>
        new(id, title, "-", Goal.ReportOnly) { SpindleProblem = $"{e.GetType().Name}: {e.Message}" };
}
