using Spindle.Lab.Experiments;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Evidence;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The context-switching claim, judged along the whole working-set curve at the OS level (futex, both sides pinned to
/// one CPU): at each array size the process switch against the thread switch, read as every rule reads two
/// measurements (<see cref="Comparison"/>: dearer from <see cref="Rules.Clearly"/> on, shown by <see cref="Separation"/>;
/// no dearer below it, shown by <see cref="Parity"/>). The empty switch also needs the pipe ping-pong to agree. The
/// verdict names the sizes where processes cost clearly more, if any, and by how much, and the sizes whose samples did
/// not show what their medians say.
/// </summary>
internal static class SwitchCurveRule
{
    private enum Standing
    {
        /// <summary>Processes no dearer than threads (under 1.2x), shown by the samples.</summary>
        Same,

        /// <summary>Processes clearly dearer, shown by the samples.</summary>
        More,

        /// <summary>The samples did not show what the medians say, or the pipe ping-pong did not agree.</summary>
        NotShown,

        /// <summary>Touching the array alone varied more than the switch costs: a side came out at zero or below.</summary>
        Noisy,
    }

    /// <summary>The futex switch at one working-set size; at the empty switch also the pipe ping-pong, which must agree with it.</summary>
    private sealed record Point(int Bytes, Measurement Thread, Measurement Process, Comparison? Pipe)
    {
        public Comparison Futex { get; } = Comparison.Of(Process, Thread);

        public double Ratio => Futex.MedianRatio;

        public Standing Standing =>
            Thread.Median <= 0 || Process.Median <= 0 ? Standing.Noisy
            : Sides.All(c => c.Dearer && c.Shown) ? Standing.More
            : Sides.All(c => !c.Dearer && c.Shown) ? Standing.Same
            : Standing.NotShown;

        /// <summary>Why a size's standing is not shown: its own samples, or the pipe ping-pong's.</summary>
        public string Doubt =>
            !Futex.Shown ? Futex.Doubt()
            : Pipe!.Dearer != Futex.Dearer ? $"the pipe ping-pong (no working set) cost {Evidence.Ratio(Pipe.MedianRatio)}"
            : Pipe.Doubt("the pipe ping-pong's samples");

        private Comparison[] Sides => Pipe is null ? [Futex] : [Futex, Pipe];
    }

    public static Judgement Judge(Evidence e)
    {
        Measurement pipeThread = e.SwitchSamples("pipe", Subject.Thread);
        Measurement pipeProcess = e.SwitchSamples("pipe", Subject.Process);
        var pipe = Comparison.Of(pipeProcess, pipeThread);
        Point[] curve = Curve(e, pipe);
        string points = string.Join(", ", curve.Select(p =>
            $"{Size(p.Bytes)} {Time(p.Process.Median)} vs {Time(p.Thread.Median)} ({Ratio(p.Ratio)}{(p.Standing == Standing.Noisy ? string.Empty : $", {p.Futex.Test}")})"));
        string evidence = $"OS level, futex per switch, processes vs threads, by working set per side: {points}; pipe (no working set) {Time(pipeProcess.Median)} vs " +
            $"{Time(pipeThread.Median)} ({Ratio(pipe.MedianRatio)}, {pipe.Test}){DotNetLevel(e)}{PerfText(e)}";
        VerdictOutcome outcome = curve.All(p => p.Standing == Standing.More) ? VerdictOutcome.Confirmed
            : curve.Any(p => p.Standing is Standing.More or Standing.NotShown) ? VerdictOutcome.Depends
            : curve.Any(p => p.Standing == Standing.Same) ? VerdictOutcome.Refuted
            : VerdictOutcome.Depends;
        string why = $"At the OS level (futex, lat_ctx-style working set): {Describe(curve)}." + outcome switch
        {
            VerdictOutcome.Refuted => " The kernel saves and restores the same registers either way, and address-space tags (PCID/ASID) keep the TLB across the switch.",
            VerdictOutcome.Confirmed => " Switching address spaces cost clearly more at every size.",
            _ when curve.Any(p => p.Standing == Standing.NotShown) => " Measure the sizes not shown again with more repetitions, on a quieter machine.",
            _ when curve.All(p => p.Standing == Standing.Noisy) => " No size could be judged: measure again on a quieter machine.",
            _ => string.Empty,
        };
        return new(outcome, evidence, why, Figure(curve, p => p.Process, e.Switch("Spindle SharedEvent", Subject.Process)),
            Figure(curve, p => p.Thread, e.Switch("Spindle SharedEvent", Subject.Thread)));
    }

    private static Point[] Curve(Evidence e, Comparison pipe)
    {
        Dictionary<double, Measurement> threads = e.SwitchCurve(Subject.Thread).ToDictionary(m => m.X!.Value);
        return
        [
            .. e.SwitchCurve(Subject.Process).Where(p => threads.ContainsKey(p.X!.Value)).Select(p =>
                new Point((int)p.X!.Value, threads[p.X!.Value], p, p.X == 0 ? pipe : null)),
        ];
    }

    /// <summary>Runs of sizes with the same standing, in words: "refuted for empty switches (1.02x); confirmed from 1 MiB: processes cost 1.4x".</summary>
    private static string Describe(Point[] curve)
    {
        var parts = new List<string>();
        for (int start = 0; start < curve.Length;)
        {
            // A size not shown stands alone: its why is its own test.
            int end = start;
            while (end + 1 < curve.Length && curve[start].Standing != Standing.NotShown && curve[end + 1].Standing == curve[start].Standing)
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
                Standing.NotShown => $"not shown {where}: at the median processes cost {ratios}, but {run[0].Doubt}",
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
