using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;

namespace Spindle.Lab.Experiments.Switching;

/// <summary>
/// The kernel developers' own measurement of the same thing: <c>perf bench sched pipe</c> (two processes, or two
/// threads with -T, passing a token through a pair of pipes), pinned to the lab's CPU and unpinned. perf reports
/// microseconds per round trip, which is two switches; the lab halves it to compare like with like against its own
/// pinned pipe ping-pong.
/// </summary>
internal static partial class PerfCrossCheck
{
    /// <summary>Above this difference between the lab's pinned pipe switch and perf's, the report says they disagree.</summary>
    public const double Tolerance = 0.25;

    /// <summary>The name of the missing part when perf cannot run.</summary>
    public const string What = "perf bench sched pipe (cross-check)";

    private const int Samples = 3;

    public static int Loops(LabScale scale) => scale.Pick(20_000, 100_000);

    public static string Series(Subject subject, bool pinned) =>
        $"perf bench sched pipe{(subject == Subject.Thread ? " -T" : string.Empty)}, two {(subject == Subject.Thread ? "threads" : "processes")}, {(pinned ? "pinned to one CPU" : "unpinned")}";

    /// <summary>The lab's own series perf's pinned figure is compared with.</summary>
    public static string LabSeries(Subject subject) => $"pipe ping-pong, two {(subject == Subject.Thread ? "threads" : "processes")}";

    public static string Method(LabScale scale) =>
        $"Cross-check: when perf is on the PATH, perf bench sched pipe -l {Loops(scale)} (processes) and with -T (threads), pinned to the lab's CPU " +
        $"(started from a thread pinned there: a child inherits the mask) and unpinned, {Samples} runs each; perf's usecs/op is one round trip = 2 switches, " +
        $"so it is halved. The pinned figures are compared with the lab's pinned pipe ping-pong; more than {Verdicts.Evidence.Percent(Tolerance)} apart is reported.";

    public static async Task RunAsync(ExperimentContext context, ExperimentResult result, int cpu, Func<double, double> progress)
    {
        if (context.Perf.MissingReason is { } missing)
        {
            result.Missing.Add(new MissingPart(What, missing));
            return;
        }

        string perf = context.Perf.Path!;
        int step = 0;
        foreach (Subject subject in new[] { Subject.Process, Subject.Thread })
        {
            foreach (bool pinned in new[] { true, false })
            {
                context.Report(progress(step++ / 4.0), Series(subject, pinned));
                var perSwitch = new List<double>();
                bool allPinned = pinned;
                for (int i = 0; i < Samples; i++)
                {
                    (double roundTrip, bool wasPinned) = await Sampler.OnDedicatedThread(
                        () => RunOnce(perf, subject == Subject.Thread, pinned ? cpu : null, Loops(context.Scale), context.Proc), "perf bench");
                    perSwitch.Add(roundTrip / 2);
                    allPinned &= wasPinned;
                }

                string how = !pinned ? "free to run on any CPU" : allPinned ? $"pinned to CPU {cpu}" : "pinning could not be confirmed from /proc";
                result.Measurements.Add(new Measurement
                {
                    Series = Series(subject, pinned), Subject = subject, Origin = Origin.Raw, Level = Level.Os, Unit = "µs/switch", Samples = perSwitch,
                    Note = $"{context.Perf.Version}; -l {Loops(context.Scale)}; {how}; perf's usecs/op (one round trip) halved",
                });
            }
        }

        foreach (PerfAgreement agreement in Compare(result))
        {
            result.Facts.Add(new Fact($"cross-check with perf, two {(agreement.Subject == Subject.Thread ? "threads" : "processes")}", agreement.Sentence));
        }
    }

    /// <summary>The lab's pinned pipe switch beside perf's, for each side both were measured on.</summary>
    public static IReadOnlyList<PerfAgreement> Compare(ExperimentResult switching) =>
    [
        .. new[] { Subject.Process, Subject.Thread }
            .Select(s => (Subject: s, Lab: switching.Find(LabSeries(s))?.Median, Perf: switching.Find(Series(s, pinned: true))?.Median))
            .Where(p => p.Lab is not null && p.Perf is not null)
            .Select(p => new PerfAgreement(p.Subject, p.Lab!.Value, p.Perf!.Value)),
    ];

    /// <summary>Runs perf once; returns its microseconds per round trip and whether /proc showed it pinned to <paramref name="cpu"/>.</summary>
    private static (double RoundTrip, bool Pinned) RunOnce(string perf, bool threads, int? cpu, int loops, ProcFs proc)
    {
        using LabNative.CpuPin pin = cpu is { } c ? LabNative.PinTo(c) : default;
        var info = new ProcessStartInfo(perf) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { "bench", "sched", "pipe", "-l", loops.ToString(CultureInfo.InvariantCulture) }.Concat(threads ? ["-T"] : []))
        {
            info.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(info)!;
        bool pinned = cpu is { } wanted && proc.Line(Path.Combine($"{process.Id}", "status"), "Cpus_allowed_list:") == wanted.ToString(CultureInfo.InvariantCulture);
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{perf} bench sched pipe -l {loops} did not finish within 2 minutes.");
        }

        string all = $"{output.Result}\n{errors.Result}";
        Match match = UsecsPerOp().Match(all);
        return process.ExitCode == 0 && match.Success
            ? (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), pinned)
            : throw new IOException($"{perf} bench sched pipe exited with {process.ExitCode} and no usecs/op: {all.Trim()}");
    }

    [GeneratedRegex(@"([0-9]+(?:\.[0-9]+)?)\s+usecs/op")]
    private static partial Regex UsecsPerOp();
}
