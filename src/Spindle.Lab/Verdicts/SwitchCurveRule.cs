using Spindle.Lab.Experiments;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Evidence;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The context-switching claim, judged along the whole working-set curve at the OS level (futex, both sides pinned to
/// one CPU): at each array size the process switch against the thread switch. The verdict names the sizes where
/// processes cost clearly more, if any, and by how much.
/// </summary>
internal static class SwitchCurveRule
{
    /// <summary>A ratio at or above this is a real difference, if the samples do not overlap either.</summary>
    private const double Clearly = 1.2;

    /// <summary>A ratio at or below this is "no difference".</summary>
    private const double Same = 1.1;

    private enum Standing
    {
        /// <summary>Processes within 10% of threads (or cheaper).</summary>
        Same,

        /// <summary>Processes dearer, but not by 20% or not beyond the spread of the samples.</summary>
        Slightly,

        /// <summary>Processes clearly dearer.</summary>
        More,

        /// <summary>Touching the array alone varied more than the switch costs: a side came out at zero or below.</summary>
        Noisy,
    }

    private sealed record Point(int Bytes, Measurement Thread, Measurement Process, Standing Standing)
    {
        public double Ratio => Process.Median / Thread.Median;
    }

    public static Judgement Judge(Evidence e)
    {
        double pipeThread = e.Switch("pipe", Subject.Thread);
        double pipeProcess = e.Switch("pipe", Subject.Process);
        Point[] curve = Curve(e, pipeProcess / pipeThread);
        string points = string.Join(", ", curve.Select(p => $"{Size(p.Bytes)} {Time(p.Process.Median)} vs {Time(p.Thread.Median)} ({Ratio(p.Ratio)})"));
        string evidence = $"OS level, futex per switch, processes vs threads, by working set per side: {points}; pipe (no working set) {Time(pipeProcess)} vs " +
            $"{Time(pipeThread)} ({Ratio(pipeProcess / pipeThread)}){DotNetLevel(e)}{PerfText(e)}";
        VerdictOutcome outcome = curve.All(p => p.Standing == Standing.More) ? VerdictOutcome.Confirmed
            : curve.Any(p => p.Standing == Standing.More) ? VerdictOutcome.Depends
            : curve.Any(p => p.Standing == Standing.Slightly) ? VerdictOutcome.Depends
            : VerdictOutcome.Refuted;
        string why = $"At the OS level (futex, lat_ctx-style working set): {Describe(curve)}." + outcome switch
        {
            VerdictOutcome.Refuted => " The kernel saves and restores the same registers either way, and address-space tags (PCID/ASID) keep the TLB across the switch.",
            VerdictOutcome.Confirmed => " Switching address spaces cost clearly more at every size.",
            _ => string.Empty,
        };
        return new(outcome, evidence, why, Figure(curve, p => p.Process, e.Switch("Spindle SharedEvent", Subject.Process)),
            Figure(curve, p => p.Thread, e.Switch("Spindle SharedEvent", Subject.Thread)));
    }

    private static Point[] Curve(Evidence e, double pipeRatio)
    {
        Dictionary<double, Measurement> threads = e.SwitchCurve(Subject.Thread).ToDictionary(m => m.X!.Value);
        return
        [
            .. e.SwitchCurve(Subject.Process).Where(p => threads.ContainsKey(p.X!.Value)).Select(p =>
            {
                Measurement t = threads[p.X!.Value];
                return new Point((int)p.X!.Value, t, p, StandingOf(t, p, p.X == 0 ? pipeRatio : null));
            }),
        ];
    }

    /// <summary>Where processes stand at one size; the empty switch also needs the pipe ping-pong to agree.</summary>
    private static Standing StandingOf(Measurement thread, Measurement process, double? pipeRatio)
    {
        if (thread.Median <= 0 || process.Median <= 0)
        {
            return Standing.Noisy;
        }

        double ratio = process.Median / thread.Median;
        double other = pipeRatio ?? ratio;
        return ratio >= Clearly && other >= Clearly && process.Min > thread.Max ? Standing.More
            : ratio <= Same && other <= Same ? Standing.Same
            : Standing.Slightly;
    }

    /// <summary>Runs of sizes with the same standing, in words: "refuted for empty switches (1.02x); confirmed from 1 MiB: processes cost 1.4x".</summary>
    private static string Describe(Point[] curve)
    {
        var parts = new List<string>();
        for (int start = 0; start < curve.Length;)
        {
            int end = start;
            while (end + 1 < curve.Length && curve[end + 1].Standing == curve[start].Standing)
            {
                end++;
            }

            Point[] run = curve[start..(end + 1)];
            string where = Where(run, reachesEnd: end == curve.Length - 1);
            string ratios = Ratios(run);
            parts.Add(run[0].Standing switch
            {
                Standing.More => $"confirmed {where}: processes cost {ratios}",
                Standing.Same => $"refuted {where} ({ratios})",
                Standing.Slightly => $"processes slower {where} but not clearly ({ratios}, under {Ratio(Clearly)} or within the spread of the samples)",
                _ => $"not judged {where}: touching the array alone varied more than a switch costs",
            });
            start = end + 1;
        }

        return string.Join("; ", parts);
    }

    private static string Where(Point[] run, bool reachesEnd)
    {
        string first = run[0].Bytes == 0 ? "empty switches" : Size(run[0].Bytes);
        return run.Length == 1 ? (run[0].Bytes == 0 ? "for empty switches" : $"at {first}")
            : run[0].Bytes == 0 ? $"from empty switches up to {Size(run[^1].Bytes)}"
            : reachesEnd ? $"from {first}"
            : $"from {first} to {Size(run[^1].Bytes)}";
    }

    private static string Ratios(Point[] run)
    {
        double low = run.Min(p => p.Ratio);
        double high = run.Max(p => p.Ratio);
        return Ratio(low) == Ratio(high) ? Ratio(low) : $"{Ratio(low)}–{Ratio(high)}";
    }

    private static string Figure(Point[] curve, Func<Point, Measurement> side, double dotNet)
    {
        Point empty = curve[0];
        Point largest = curve[^1];
        string os = curve.Length == 1
            ? $"{Switch(side(empty).Median)}/switch"
            : $"{Switch(side(empty).Median)}/switch {(empty.Bytes == 0 ? "empty" : $"at {Size(empty.Bytes)}")}, {Switch(side(largest).Median)} at {Size(largest.Bytes)}";
        return $"OS (futex): {os}; .NET (SharedEvent): {Time(dotNet)}";
    }

    /// <summary>A switch cost; one that the subtraction left at zero or below is lost in the noise of touching the array, not free.</summary>
    private static string Switch(double microseconds) => microseconds > 0 ? Time(microseconds) : "lost in the noise";

    private static string DotNetLevel(Evidence e) =>
        $"; .NET level, Spindle SharedEvent (no working set) {Time(e.Switch("Spindle SharedEvent", Subject.Process))} vs {Time(e.Switch("Spindle SharedEvent", Subject.Thread))}";

    private static string PerfText(Evidence e)
    {
        IReadOnlyList<PerfAgreement> agreements = e.PerfAgreement;
        return agreements.Count == 0 ? "; perf bench sched pipe not measured"
            : "; perf bench sched pipe, pinned: " + string.Join(", ", agreements.Select(a =>
                $"{(a.Subject == Subject.Thread ? "threads" : "processes")} {Time(a.PerfMicroseconds)}/switch (lab {(a.Agrees ? "agrees" : "disagrees")}: {(a.Difference >= 0 ? "+" : "−")}{Percent(Math.Abs(a.Difference))})"));
    }

    private static string Size(int bytes) => bytes == 0 ? "0 B" : CommunicationExperiment.Bytes(bytes);
}
