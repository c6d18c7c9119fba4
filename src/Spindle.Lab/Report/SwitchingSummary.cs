using Spindle.Lab.Experiments;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Evidence;

namespace Spindle.Lab.Report;

/// <summary>
/// The context-switch figures the comparison table has no room for, as plain rows both the terminal and the HTML
/// report print: the switch by working-set size, and the lab's pipe switch beside <c>perf bench sched pipe</c>.
/// </summary>
internal static class SwitchingSummary
{
    public static readonly string[] CurveColumns = ["Working set per side", "Threads, µs/switch", "Processes, µs/switch", "Processes ÷ threads", "Touching it alone, µs"];

    public static readonly string[] PerfColumns = ["Between", "Lab: pipe, pinned", "perf: pinned", "perf: unpinned", "Lab vs perf (pinned)"];

    /// <summary>One row per working-set size (OS level, futex), or none when the sweep was not run.</summary>
    public static IReadOnlyList<string[]> CurveRows(LabReport report)
    {
        if (report.Experiment("context-switch") is not { } switching)
        {
            return [];
        }

        Measurement[] threads = Points(switching, "futex ping-pong, two threads", "µs/switch");
        return
        [
            .. threads.Select(t =>
            {
                double bytes = t.X!.Value;
                Measurement? p = switching.Find("futex ping-pong, two processes", bytes);
                Measurement? alone = switching.Measurements.FirstOrDefault(m => m.Unit == "µs/touch" && m.X == bytes && m.Subject == Subject.Thread);
                return new[]
                {
                    bytes == 0 ? "none (empty switch)" : CommunicationExperiment.Bytes((int)bytes),
                    Cost(t.Median),
                    p is null ? "not measured" : Cost(p.Median),
                    p is null || t.Median <= 0 || p.Median <= 0 ? "—" : Ratio(p.Median / t.Median),
                    alone is null ? "—" : Num(alone.Median),
                };
            }),
        ];
    }

    /// <summary>One row per side perf measured, or none when perf did not run.</summary>
    public static IReadOnlyList<string[]> PerfRows(LabReport report)
    {
        if (report.Experiment("context-switch") is not { } switching)
        {
            return [];
        }

        IReadOnlyList<PerfAgreement> agreements = PerfCrossCheck.Compare(switching);
        return
        [
            .. new[] { Subject.Process, Subject.Thread }
                .Where(s => switching.Find(PerfCrossCheck.Series(s, pinned: true)) is not null)
                .Select(s =>
                {
                    PerfAgreement? a = agreements.FirstOrDefault(x => x.Subject == s);
                    Measurement? lab = switching.Find(PerfCrossCheck.LabSeries(s));
                    Measurement pinned = switching.Find(PerfCrossCheck.Series(s, pinned: true))!;
                    Measurement? unpinned = switching.Find(PerfCrossCheck.Series(s, pinned: false));
                    return new[]
                    {
                        s == Subject.Thread ? "two threads (perf -T)" : "two processes",
                        lab is null ? "not measured" : $"{Time(lab.Median)}/switch",
                        $"{Time(pinned.Median)}/switch ({Time(2 * pinned.Median)}/round trip)",
                        unpinned is null ? "not measured" : $"{Time(unpinned.Median)}/switch",
                        a is null ? "—" : a.Agrees ? $"agree: {Signed(a.Difference)}" : $"DISAGREE: {Signed(a.Difference)} (more than {Percent(PerfCrossCheck.Tolerance)})",
                    };
                }),
        ];
    }

    private static Measurement[] Points(ExperimentResult switching, string series, string unit) =>
        [.. switching.Measurements.Where(m => m.Series == series && m.Unit == unit && m.X is not null).OrderBy(m => m.X)];

    /// <summary>The net switch cost; at zero or below, touching the array alone varied more than the switch costs.</summary>
    private static string Cost(double microseconds) => microseconds > 0 ? Num(microseconds) : $"{Num(microseconds)} (lost in the noise)";

    private static string Signed(double fraction) => $"{(fraction >= 0 ? "+" : "−")}{Percent(Math.Abs(fraction))}";
}
