using Spindle.Lab.Model;

namespace Spindle.Lab.Experiments.Switching;

/// <summary>The lab's pinned pipe switch and perf's for one side, and whether they agree within <see cref="PerfCrossCheck.Tolerance"/>.</summary>
internal sealed record PerfAgreement(Subject Subject, double LabMicroseconds, double PerfMicroseconds)
{
    /// <summary>(lab − perf) / perf.</summary>
    public double Difference => (LabMicroseconds - PerfMicroseconds) / PerfMicroseconds;

    public bool Agrees => Math.Abs(Difference) <= PerfCrossCheck.Tolerance;

    public string Sentence =>
        $"pipe switch between two {(Subject == Subject.Thread ? "threads" : "processes")}, pinned: lab {Verdicts.Evidence.Time(LabMicroseconds)}, perf {Verdicts.Evidence.Time(PerfMicroseconds)} " +
        $"({Verdicts.Evidence.Time(2 * PerfMicroseconds)} per round trip): the lab is {Verdicts.Evidence.Percent(Math.Abs(Difference))} {(Difference >= 0 ? "above" : "below")} perf" +
        (Agrees ? $", within {Verdicts.Evidence.Percent(PerfCrossCheck.Tolerance)}" : $" — they disagree by more than {Verdicts.Evidence.Percent(PerfCrossCheck.Tolerance)}");
}
