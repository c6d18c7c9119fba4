using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Experiments.Switching;

/// <summary>
/// The futex ping-pong with a working set, as lmbench's lat_ctx measures it: before each hand-off a side touches its
/// private array, and the time to touch that array with no switch in between is taken off. What is left is the
/// switch itself plus what it costs the caches and the TLB to bring the array back after the other side ran.
/// </summary>
internal static class WorkingSetSweep
{
    /// <summary>Bytes of each side's private array; 0 is the empty switch.</summary>
    public static int[] Sizes(LabScale scale) => scale.Pick<int[]>([0, 256 << 10, 4 << 20], [0, 16 << 10, 256 << 10, 1 << 20, 4 << 20]);

    /// <summary>Round trips per sample: fewer for big arrays, so one sample touches a bounded amount of memory.</summary>
    public static int Rounds(LabScale scale, int bytes)
    {
        int most = scale.Pick(5_000, 40_000);
        long budget = scale.Pick(512L << 20, 2L << 30);
        return bytes == 0 ? most : (int)Math.Clamp(budget / (2L * bytes), 50, most);
    }

    public static string Method(LabScale scale) =>
        $"Working set (lmbench lat_ctx): each side owns a private array of {string.Join(", ", Sizes(scale).Select(CommunicationExperiment.Bytes))} and, before every " +
        "hand-off, reads, increments and writes back one word of each of its cache lines, adding what it read to a checksum the lab checks afterwards. " +
        "Each side first times touches of its array alone (half as many as round trips, 16 to 2,000) on the same CPU while the other sleeps; a sample is " +
        "elapsed / (2 x round trips) minus that touch time, so it keeps what a switch costs the caches and the TLB and drops the touching itself " +
        $"({Rounds(scale, 0):N0} round trips with no array, down to {Rounds(scale, Sizes(scale).Max()):N0} at {CommunicationExperiment.Bytes(Sizes(scale).Max())}).";

    public static async Task RunAsync(ExperimentContext context, ExperimentResult result, WorkerPool pool, int cpu, Func<double, double> progress)
    {
        int[] sizes = Sizes(context.Scale);
        Subject[] subjects = [Subject.Thread, Subject.Process];
        int step = 0;
        foreach (int bytes in sizes)
        {
            foreach (Subject subject in subjects)
            {
                context.Report(progress(step++ / (double)(sizes.Length * subjects.Length)), $"futex with {CommunicationExperiment.Bytes(bytes)} between two {Plural(subject)}");
                await MeasureAsync(context, result, pool, cpu, bytes, subject);
            }
        }
    }

    private static async Task MeasureAsync(ExperimentContext context, ExperimentResult result, WorkerPool pool, int cpu, int bytes, Subject subject)
    {
        int rounds = Rounds(context.Scale, bytes);
        var perSwitch = new List<double>();
        var alone = new List<double>();
        var voluntary = new List<double>();
        var total = new List<double>();
        bool pinned = true;
        for (int rep = 0; rep < context.Scale.Repetitions + 1; rep++)
        {
            (FutexServed served, FutexSide answered) = await PlayAsync(subject, rounds, cpu, bytes, pool, context);
            if (!served.Side.TouchedEveryLine || !answered.TouchedEveryLine)
            {
                throw new InvalidOperationException(
                    $"The {CommunicationExperiment.Bytes(bytes)} working set was not touched on every line (its checksum does not add up), so the timing would not include it.");
            }

            if (rep == 0)
            {
                continue; // warm-up: JIT, page faults, first wake-ups
            }

            pinned &= served.Pinned;
            double touch = (served.Side.TouchAloneMicroseconds + answered.TouchAloneMicroseconds) / 2;
            perSwitch.Add(Stopwatch.GetElapsedTime(0, served.ElapsedTicks).TotalMicroseconds / (2.0 * rounds) - touch);
            alone.Add(touch);
            long[] counts = [.. served.Side.Switches, .. answered.Switches];
            if (counts.All(c => c >= 0))
            {
                voluntary.Add((counts[0] + counts[2]) / (double)rounds);
                total.Add(counts.Sum() / (double)rounds);
            }
        }

        string sides = Plural(subject);
        string note = pinned ? "both sides pinned to one CPU" : "pinning refused by the kernel: sides ran where the scheduler put them";
        result.Measurements.Add(Point($"futex ping-pong, two {sides}", subject, "µs/switch", bytes, perSwitch,
            $"{note}; {rounds:N0} round trips per sample; the time to touch the array alone ({MedianText(alone)} µs) is taken off each switch"));
        result.Measurements.Add(Point($"working set touched alone, {(subject == Subject.Thread ? "on a thread" : "in a worker process")}", subject, "µs/touch", bytes, alone,
            "mean of both sides, each timing its own array with no switch in between (what lat_ctx subtracts)"));
        string counters = $"futex: context switches per round trip, two {sides}";
        if (voluntary.Count > 0)
        {
            result.Measurements.Add(Point($"{counters}, voluntary", subject, "switches", bytes, voluntary, "voluntary_ctxt_switches of both threads"));
            result.Measurements.Add(Point($"{counters}, voluntary + involuntary", subject, "switches", bytes, total,
                "a woken side may preempt the waker before it sleeps: the kernel then counts that switch as involuntary"));
        }
        else
        {
            result.Missing.Add(new MissingPart($"{counters} at {CommunicationExperiment.Bytes(bytes)}", context.Proc.MissingReason));
        }
    }

    private static async Task<(FutexServed Served, FutexSide Answered)> PlayAsync(Subject subject, int rounds, int cpu, int bytes, WorkerPool pool, ExperimentContext context)
    {
        string path = context.ScratchPath("futex");
        using SharedRegion region = PingPong.CreateFutexRegion(path);
        Task<FutexSide> answer = subject == Subject.Thread
            ? Sampler.OnDedicatedThread(() => PingPong.FutexAnswer(path, rounds, cpu, bytes), "futex answer")
            : pool.RunAsync(static (p, r, c, b) => PingPong.FutexAnswer(p, r, c, b), path, rounds, cpu, bytes);
        Task<FutexServed> serving = Sampler.OnDedicatedThread(() => PingPong.FutexServe(region, rounds, cpu, bytes, context.Proc), "futex serve");
        if ((await Task.WhenAny(serving, answer)).IsFaulted)
        {
            region.Abort();
        }

        try
        {
            return (await serving, await answer);
        }
        finally
        {
            // An answering thread still maps the region: let it give up before the region is unmapped under it.
            if (!answer.IsCompleted)
            {
                region.Abort();
                await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(10)));
            }
        }
    }

    private static Measurement Point(string series, Subject subject, string unit, int bytes, List<double> samples, string note) => new()
    {
        Series = series, Subject = subject, Origin = Origin.Raw, Level = Level.Os, Unit = unit, X = bytes, XUnit = "bytes of working set", Samples = samples, Note = note,
    };

    private static string MedianText(List<double> values) => Verdicts.Evidence.Num(Measurement.MedianOf(values));

    private static string Plural(Subject subject) => subject == Subject.Thread ? "threads" : "processes";
}
