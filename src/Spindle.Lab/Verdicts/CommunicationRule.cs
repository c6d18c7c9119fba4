using Spindle.Lab.Experiments.Channels;
using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Evidence;
using static Spindle.Lab.Verdicts.Rules;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The inter-communication claim, judged at the OS level on the smallest message: the one-way latency of shared
/// memory, a pipe and a Unix socket between two processes against the shared-memory hand-off between two threads.
/// Each comparison needs its samples to show what its medians say (<see cref="Separation"/> for "slower",
/// <see cref="Parity"/> for "as fast"); when they do not, the verdict is "depends" and says which.
/// </summary>
internal static class CommunicationRule
{
    public static Judgement Judge(Evidence e)
    {
        int s = e.SmallSize;
        double thread = e.Latency("shm", Subject.Thread, s);
        double shm = e.Latency("shm", Subject.Process, s);
        double pipe = e.Latency("pipe", Subject.Process, s);
        double socket = e.Latency("socket", Subject.Process, s);
        string spindle = string.Concat(new[] { "Spindle Pipe", "Spindle Listener/Client", "Spindle SharedArray<byte> + futex" }
            .Select(name => e.OptionalLatency($"{name}, two processes", s) is { } us ? $", {name} {Time(us)}" : string.Empty));
        string evidence = $"{Size(s)} one-way: threads via shared memory {Time(thread)}; processes via shared memory {Time(shm)}, pipe {Time(pipe)}, Unix socket {Time(socket)}{spindle}";
        Mechanism viaPipe = Compare(e, "pipe", "a pipe", s, thread);
        Mechanism viaSocket = Compare(e, "socket", "a Unix socket", s, thread);
        Mechanism viaSharedMemory = Compare(e, "shm", "shared memory", s, thread);
        evidence += $"; against the thread hand-off: pipe {viaPipe.Test}; socket {viaSocket.Test}; shared memory {viaSharedMemory.Test}";
        (VerdictOutcome outcome, string why) = Decide(viaPipe, viaSocket, viaSharedMemory);
        string dotNetProcess = e.OptionalLatency("Spindle Pipe, two processes", s) is { } spindlePipe ? $"; .NET: {Time(spindlePipe)} Spindle Pipe" : string.Empty;
        string dotNetThread = e.OptionalLatency(new SpindlePoolRow(Spindle.Isolation.Thread).Series, s) is { } poolCall ? $"; .NET: {Time(poolCall)} pool call" : string.Empty;
        return new(outcome, evidence, $"At the OS level: {why}",
            $"OS: {Time(shm)} shm, {Time(pipe)} pipe, {Time(socket)} socket{dotNetProcess} ({Size(s)})", $"OS: {Time(thread)} shared memory{dotNetThread} ({Size(s)})");
    }

    /// <summary>
    /// Several comparisons decide this claim, and each is tested on its own samples. "Every mechanism is slower" (and
    /// "pipe and socket slower, shared memory not") holds only if each of its parts does: an intersection-union test, in
    /// which testing every part at the level keeps the whole at the level, so no correction is needed. "Process IPC is
    /// as fast" holds if either kernel mechanism is: two chances to pass by accident, so each is tested at half the level
    /// (<see cref="Parity.ShownAmong"/>). Anything else is inconclusive and says which comparison the samples did not bear out.
    /// </summary>
    private static (VerdictOutcome Outcome, string Why) Decide(Mechanism pipe, Mechanism socket, Mechanism sharedMemory)
    {
        Mechanism[] kernel = [pipe, socket];
        if (kernel.All(m => m.Slower) && sharedMemory.Slower)
        {
            return (VerdictOutcome.Confirmed, "Every IPC mechanism between processes was clearly slower than the shared-memory hand-off between threads.");
        }

        if (kernel.All(m => m.Slower) && sharedMemory.AsFast(1))
        {
            return (VerdictOutcome.Depends, "Pipes and sockets were slower, but shared memory between processes was as fast as between threads: the cost is the mechanism, not the process boundary.");
        }

        if (kernel.Any(m => m.AsFast(kernel.Length)))
        {
            return (VerdictOutcome.Refuted, "Process IPC was as fast as the thread hand-off here.");
        }

        // The medians said "kernel mechanisms slower": the first comparison whose samples did not show what its median said.
        // They said "as fast": the mechanism closest to the thread hand-off, which came nearest to showing it.
        string notShown = kernel.All(m => m.MedianRatio >= Clearly)
            ? new[] { pipe, socket, sharedMemory }.First(m => !m.Slower && !m.AsFast(1)).NotShown(1)
            : kernel.MinBy(m => m.MedianRatio)!.NotShown(kernel.Length);
        return (VerdictOutcome.Depends, notShown);
    }

    private static Mechanism Compare(Evidence e, string kind, string name, int size, double thread) =>
        new(name, e.Latency(kind, Subject.Process, size) / thread, e.LatencyAbove(kind, size), e.LatencyWithin(kind, size, Clearly));

    /// <summary>One mechanism between processes against the shared-memory hand-off between threads: the medians' ratio and both tests of the samples.</summary>
    private sealed record Mechanism(string Name, double MedianRatio, Separation Above, Parity Within)
    {
        /// <summary>The medians say clearly slower, and the samples show it.</summary>
        public bool Slower => MedianRatio >= Clearly && Above.Shown;

        /// <summary>The medians say not clearly slower, and the samples show it, as one of <paramref name="alternatives"/> that could.</summary>
        public bool AsFast(int alternatives) => MedianRatio < Clearly && Within.ShownAmong(alternatives);

        /// <summary>The test of the samples that bears on what the medians say.</summary>
        public string Test => MedianRatio >= Clearly ? $"{Above}" : $"{Within}";

        /// <summary>Why what the medians say of this mechanism is not shown.</summary>
        public string NotShown(int alternatives)
        {
            string medianSays = $"{Name} between processes cost {Ratio(MedianRatio)} as much as the shared-memory hand-off between threads";
            return MedianRatio >= Clearly ? Inconclusive.Overlap(medianSays, Above)
                : Inconclusive.Scatter(alternatives == 1 ? medianSays : $"{medianSays} (one of {alternatives} mechanisms that could show IPC as fast, so it needs p ≤ {RankTest.Level / alternatives:0.###})", Within);
        }
    }

    private static string Size(int size) => Experiments.CommunicationExperiment.Bytes(size);
}
