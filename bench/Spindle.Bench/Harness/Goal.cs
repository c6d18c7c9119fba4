using System.Globalization;

namespace Spindle.Bench.Harness;

/// <summary>What a comparison must show to pass, stated as the issue states it.</summary>
internal sealed record Goal(GoalKind Kind, double Factor)
{
    public static readonly Goal ReportOnly = new(GoalKind.ReportOnly, 0);

    /// <summary>Spindle may cost at most <paramref name="factor"/> times the baseline.</summary>
    public static Goal AtMostTimes(double factor) => new(GoalKind.AtMostTimes, factor);

    /// <summary>Spindle must reach at least <paramref name="factor"/> of the baseline (a fraction: 0.33x of a memory copy).</summary>
    public static Goal AtLeast(double factor) => new(GoalKind.AtLeast, factor);

    /// <summary>Spindle must be at least <paramref name="factor"/> times faster than the baseline.</summary>
    public static Goal AtLeastFaster(double factor) => new(GoalKind.AtLeastFaster, factor);

    public string Describe() => Kind switch
    {
        GoalKind.AtMostTimes => $"<= {Times(Factor)}",
        GoalKind.AtLeastFaster => $">= {Times(Factor)} faster",
        GoalKind.AtLeast => $">= {Times(Factor)}",
        _ => "none (report)",
    };

    /// <summary>The ratio in the goal's own terms, from Spindle's speedup over the baseline.</summary>
    public string DescribeRatio(double speedup, Metric spindle, Metric baseline) => Kind switch
    {
        GoalKind.AtMostTimes => Times(1 / speedup),
        GoalKind.AtLeastFaster => speedup >= 1 ? $"{Times(speedup)} faster" : $"{Times(1 / speedup)} slower",
        GoalKind.AtLeast => Times(speedup),
        _ => Times(spindle.Summary.Median / baseline.Summary.Median),
    };

    public bool? Passed(double speedup) => Kind switch
    {
        GoalKind.AtMostTimes => 1 / speedup <= Factor,
        GoalKind.AtLeastFaster => speedup >= Factor,
        GoalKind.AtLeast => speedup >= Factor,
        _ => null,
    };

    private static string Times(double x) =>
        x.ToString(x >= 100 ? "0" : x >= 10 ? "0.0" : "0.00", CultureInfo.InvariantCulture) + "x";
}

internal enum GoalKind
{
    ReportOnly,
    AtMostTimes,
    AtLeastFaster,
    AtLeast,
}
