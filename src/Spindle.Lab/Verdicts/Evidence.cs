using System.Globalization;
using Spindle.Lab.Experiments;
using Spindle.Lab.Experiments.Channels;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The medians the verdicts are computed from, and the tests of their samples' spread (<see cref="Separation"/>,
/// <see cref="Parity"/>); each accessor throws <see cref="MissingEvidenceException"/> when its number was not measured.
/// </summary>
internal sealed class Evidence(LabReport report)
{
    // The series both a median and a separation (Separation.cs) are read from.
    private const string PthreadCreateSeries = "pthread_create+join";
    private const string PosixSpawnSeries = "posix_spawn+waitpid (/bin/true)";
    private const string DispatchProcessSeries = "dispatch to a warm WorkerPool (process)";
    private const string DispatchThreadSeries = "dispatch to a warm WorkerPool (thread)";
    private const string PthreadPssSeries = "PSS per extra pthread";
    private const string ProcessPssSeries = "PSS per extra process";
    private const string IoMemoryUnit = "KiB per wait";
    private static readonly string ThreadHandOffSeries = new RawChannelRow("shm", Subject.Thread).Series;

    public static int Cores => ExperimentContext.Cores;

    /// <summary>The worker count the scaling claims are judged at: every core, at most <see cref="CpuScalingExperiment.MaxCores"/>.</summary>
    public static int AllCores => CpuScalingExperiment.UsedCores(Cores);

    /// <summary>"2 cores", or "64 of 128 cores" when the scaling series was capped.</summary>
    public static string AllCoresText => AllCores == Cores ? $"{Cores} cores" : $"{AllCores} of {Cores} cores";

    /// <summary>pthread_create + pthread_join with a libc start routine: the OS's own cost of a thread.</summary>
    public double ThreadCreate => Median("creation", PthreadCreateSeries, "µs");

    /// <summary>new Thread + Start + Join: the .NET cost of a thread.</summary>
    public double DotNetThreadCreate => Median("creation", "thread start+join", "µs");

    /// <summary>posix_spawn + waitpid of /bin/true: the OS's own cost of a process, without .NET's Process class.</summary>
    public double ProcessCreate => Median("creation", PosixSpawnSeries, "µs");

    public double ProcessStart => Median("creation", "process start+exit (/bin/true)", "µs");

    /// <summary>WorkerProcess start until its process exits: the .NET cost of a process (a runtime starts and stops).</summary>
    public double WorkerProcessCreate => Median("creation", "WorkerProcess start+exit", "µs");

    public double PoolColdStart => Median("creation", "WorkerPool (process) cold start to first result", "µs");

    public double DispatchProcess => Median("creation", DispatchProcessSeries, "µs");

    public double DispatchThread => Median("creation", DispatchThreadSeries, "µs");

    /// <summary>Per switch through a mechanism measured with no working set ("pipe", "Spindle SharedEvent"); the futex's is <see cref="SwitchCurve"/>.</summary>
    public double Switch(string mechanism, Subject subject) => SwitchSamples(mechanism, subject).Median;

    /// <summary>Every sample of <see cref="Switch"/>, for the tests of their spread.</summary>
    public Measurement SwitchSamples(string mechanism, Subject subject) =>
        Find("context-switch", $"{mechanism} ping-pong, two {(subject == Subject.Thread ? "threads" : "processes")}", "µs/switch");

    /// <summary>The futex switch at every working-set size measured, smallest first.</summary>
    public IReadOnlyList<Measurement> SwitchCurve(Subject subject)
    {
        string series = $"futex ping-pong, two {(subject == Subject.Thread ? "threads" : "processes")}";
        Measurement[] points = [.. Experiment("context-switch").Measurements.Where(m => m.Series == series && m.Unit == "µs/switch" && m.X is not null).OrderBy(m => m.X)];
        return points.Length > 0 ? points : throw new MissingEvidenceException($"context-switch: '{series}' not measured");
    }

    /// <summary>The lab's pinned pipe switch beside perf bench sched pipe's; empty when perf did not run.</summary>
    public IReadOnlyList<PerfAgreement> PerfAgreement => PerfCrossCheck.Compare(Experiment("context-switch"));

    /// <summary>PSS per extra pthread (OS level).</summary>
    public double PthreadPss => Median("memory", PthreadPssSeries, "KiB");

    /// <summary>PSS per extra new Thread (.NET level).</summary>
    public double ThreadPss => Median("memory", "PSS per extra thread", "KiB");

    public double ProcessPss => Median("memory", ProcessPssSeries, "KiB");

    public double WorkerPss => Median("memory", "PSS per extra WorkerPool process worker", "KiB");

    public double Latency(string kind, Subject subject, int size) => Median("communication", new RawChannelRow(kind, subject).Series, "µs one-way", size);

    /// <summary>One-way latency of a communication row by its series name, or null when that row was not measured.</summary>
    public double? OptionalLatency(string series, int size) =>
        report.Experiment("communication")?.Measurements.FirstOrDefault(m => m.Series == series && m.Unit == "µs one-way" && m.X == size)?.Median;

    public double PoolLatency(Isolation isolation, int size) => Median("communication", new SpindlePoolRow(isolation).Series, "µs one-way", size);

    public int SmallSize => CommunicationExperiment.Sizes(new LabScale(report.Mode == "quick")).Min();

    public int LargeSize => CommunicationExperiment.Sizes(new LabScale(report.Mode == "quick")).Max();

    public double Speedup(string series, int workers) => Median("cpu-scaling", series, "x speedup", workers);

    public double IoTime(Subject subject, Origin origin) => IoMedian(subject, origin, "ms total");

    public double IoMemory(Subject subject, Origin origin) => IoMedian(subject, origin, IoMemoryUnit);

    public int IoWaits => 1000;

    public string Fact(string experiment, string name) =>
        Experiment(experiment).FactValue(name) ?? throw new MissingEvidenceException($"{experiment}: '{name}' was not observed");

    /// <summary>Whether a thread's unhandled exception ended its process, and crashed workers left the pool answering every call.</summary>
    public (bool ThreadCrashEndedProcess, bool PoolServedAll, string Summary) IsolationOutcome
    {
        get
        {
            string ended = Fact("isolation", "thread crash: whole process ended");
            string exit = Experiment("isolation").FactValue("thread crash: process exit") ?? "no exit observed";
            string answered = Fact("isolation", "process crash: calls answered after crashes");
            string[] parts = answered.Split('/');
            bool all = parts.Length == 2 && parts[0] == parts[1] && parts[0] != "0";
            string recovery = Num(Median("isolation", "pool: SIGSEGV in a call until the next answer", "ms"));
            return (ended == "yes", all,
                $"thread exception -> {exit}; worker SIGSEGV/SIGKILL -> {answered} later calls answered, next answer after {recovery} ms");
        }
    }

    public static string Num(double value) => value switch
    {
        >= 100 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("0.0", CultureInfo.InvariantCulture),
        _ => value.ToString("0.00", CultureInfo.InvariantCulture),
    };

    public static string Ratio(double value) => $"{Num(value)}x";

    /// <summary>A fraction as a whole percentage, e.g. 0.25 as "25%".</summary>
    public static string Percent(double fraction) => $"{(fraction * 100).ToString("0", CultureInfo.InvariantCulture)}%";

    /// <summary>Microseconds in the unit that reads best.</summary>
    public static string Time(double microseconds) => microseconds >= 1000 ? $"{Num(microseconds / 1000)} ms" : $"{Num(microseconds)} µs";

    private double IoMedian(Subject subject, Origin origin, string unit) => IoFind(subject, origin, unit).Median;

    private Measurement IoFind(Subject subject, Origin origin, string unit) =>
        Experiment("io-concurrency").Measurements.FirstOrDefault(m => m.Subject == subject && m.Origin == origin && m.Unit == unit)
            ?? throw new MissingEvidenceException($"io-concurrency: {subject} ({origin}) {unit} not measured");

    private ExperimentResult Experiment(string name) =>
        report.Experiment(name) ?? throw new MissingEvidenceException($"experiment '{name}' was not run");

    private double Median(string experiment, string series, string unit, double? x = null) => Find(experiment, series, unit, x).Median;

    private Measurement Find(string experiment, string series, string unit, double? x = null) =>
        Experiment(experiment).Measurements.FirstOrDefault(m => m.Series == series && m.Unit == unit && (x is null || m.X == x))
            ?? throw new MissingEvidenceException($"{experiment}: '{series}'{(x is null ? string.Empty : $" at {x}")} not measured");

    /// <summary>Whether the OS-level process creations' samples lie above the pthread creations' (see <see cref="Separation"/>).</summary>
    public Separation CreationAbove => Above("creation", PosixSpawnSeries, PthreadCreateSeries, "µs");

    /// <summary>Whether an extra process's PSS samples lie above an extra pthread's.</summary>
    public Separation MemoryAbove => Above("memory", ProcessPssSeries, PthreadPssSeries, "KiB");

    /// <summary>Whether calls to a warm process worker took longer than to a warm thread worker, sample by sample.</summary>
    public Separation DispatchAbove => Above("creation", DispatchProcessSeries, DispatchThreadSeries, "µs");

    /// <summary>Whether passing <paramref name="size"/> bytes through a process pool took longer than through a thread pool, sample by sample.</summary>
    public Separation PoolLatencyAbove(int size) =>
        Above("communication", new SpindlePoolRow(Isolation.Process).Series, new SpindlePoolRow(Isolation.Thread).Series, "µs one-way", size);

    /// <summary>Whether the OS-level process creations' samples lie below <paramref name="margin"/> times the pthread creations'.</summary>
    public Parity CreationWithin(double margin) => Within("creation", PosixSpawnSeries, PthreadCreateSeries, "µs", margin);

    /// <summary>Whether an extra process's PSS samples lie below <paramref name="margin"/> times an extra pthread's.</summary>
    public Parity MemoryWithin(double margin) => Within("memory", ProcessPssSeries, PthreadPssSeries, "KiB", margin);

    /// <summary>Whether calls to a warm process worker took less than <paramref name="margin"/> times as long as to a warm thread worker, sample by sample.</summary>
    public Parity DispatchWithin(double margin) => Within("creation", DispatchProcessSeries, DispatchThreadSeries, "µs", margin);

    /// <summary>Whether passing <paramref name="size"/> bytes through a process pool took less than <paramref name="margin"/> times as long as through a thread pool.</summary>
    public Parity PoolLatencyWithin(int size, double margin) =>
        Within("communication", new SpindlePoolRow(Isolation.Process).Series, new SpindlePoolRow(Isolation.Thread).Series, "µs one-way", margin, size);

    /// <summary>Whether one-way latencies through <paramref name="kind"/> between processes lie above the shared-memory hand-off between threads.</summary>
    public Separation LatencyAbove(string kind, int size) =>
        Above("communication", new RawChannelRow(kind, Subject.Process).Series, ThreadHandOffSeries, "µs one-way", size);

    /// <summary>Whether one-way latencies through <paramref name="kind"/> between processes lie below <paramref name="margin"/> times the thread hand-off.</summary>
    public Parity LatencyWithin(string kind, int size, double margin) =>
        Within("communication", new RawChannelRow(kind, Subject.Process).Series, ThreadHandOffSeries, "µs one-way", margin, size);

    /// <summary>Whether <paramref name="above"/>'s memory per I/O wait lies above <paramref name="times"/> that of <paramref name="below"/>.</summary>
    public Separation IoMemoryAbove(Subject above, Subject below, double times = 1) =>
        Separation.Of(IoFind(above, Origin.Raw, IoMemoryUnit).Samples, [.. IoFind(below, Origin.Raw, IoMemoryUnit).Samples.Select(v => v * times)]);

    /// <summary>Whether <paramref name="subject"/>'s memory per I/O wait lies below <paramref name="margin"/> times that of <paramref name="against"/>.</summary>
    public Parity IoMemoryWithin(Subject subject, Subject against, double margin) =>
        Parity.Of(IoFind(subject, Origin.Raw, IoMemoryUnit).Samples, IoFind(against, Origin.Raw, IoMemoryUnit).Samples, margin);

    /// <summary>Whether <paramref name="above"/> sped up more than <paramref name="below"/> with <paramref name="workers"/> workers, round by round.</summary>
    public Separation SpeedupAbove(string above, string below, int workers) =>
        Separation.Of(RoundSpeedups(above, workers), RoundSpeedups(below, workers));

    /// <summary>Whether <paramref name="series"/> sped up less than <paramref name="margin"/> times <paramref name="against"/>, round by round.</summary>
    public Parity SpeedupWithin(string series, string against, int workers, double margin) =>
        Parity.Of(RoundSpeedups(series, workers), RoundSpeedups(against, workers), margin);

    /// <summary>
    /// Whether <paramref name="series"/>'s speedups with <paramref name="workers"/> workers lie above <paramref name="times"/>
    /// those with one worker: on a log scale, whether its runs with one worker took more than that many times as long as
    /// its runs with every core, each side with its own spread (the one-worker runs' too, unlike the speedups alone).
    /// </summary>
    public Separation SpeedupOver(string series, int workers, double times) =>
        Separation.Of(Find("cpu-scaling", series, "x speedup", workers).Samples, [.. Find("cpu-scaling", series, "x speedup", 1).Samples.Select(v => v * times)]);

    /// <summary>
    /// One speedup per round: the round's time with one worker over its time with <paramref name="workers"/>. The
    /// published speedup samples divide every run by one number, the median time with one worker, so they carry none of
    /// that baseline's spread, and a test on them would be surer than the data allows; a ratio per round carries the
    /// noise of both of its runs. Rounds are independent, so two series' ratios can go to <see cref="RatioTest"/> as
    /// they are. (Pairing the two series round by round would cancel drift, but only the .NET series alternate round by
    /// round; Python runs each kind of worker on its own.) The ratio is read back from the speedup rows themselves:
    /// sample i with k workers over sample i with one worker is (median / time i at k) / (median / time i at 1).
    /// </summary>
    private IReadOnlyList<double> RoundSpeedups(string series, int workers)
    {
        IReadOnlyList<double> one = Find("cpu-scaling", series, "x speedup", 1).Samples;
        IReadOnlyList<double> many = Find("cpu-scaling", series, "x speedup", workers).Samples;
        return one.Count == many.Count
            ? [.. many.Zip(one, static (k, single) => k / single)]
            : throw new MissingEvidenceException($"cpu-scaling: '{series}' has {one.Count} runs with 1 worker and {many.Count} with {workers}: its speedups cannot be paired by round");
    }

    private Separation Above(string experiment, string above, string below, string unit, double? x = null) =>
        Separation.Of(Find(experiment, above, unit, x).Samples, Find(experiment, below, unit, x).Samples);

    private Parity Within(string experiment, string series, string against, string unit, double margin, double? x = null) =>
        Parity.Of(Find(experiment, series, unit, x).Samples, Find(experiment, against, unit, x).Samples, margin);
}
