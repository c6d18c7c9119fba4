using Spindle.Lab.Model;
using Spindle;
using static Spindle.Lab.Verdicts.Evidence;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The rules behind the verdicts. Each compares medians of this run, and the samples must show what the medians say
/// (<see cref="Comparison"/>): a difference counts from <see cref="Clearly"/> on, and below it "no dearer" must be shown
/// as well; otherwise the verdict is "depends". The rules on speedups are in <see cref="ScalingRules"/>,
/// inter-communication in <see cref="CommunicationRule"/>, context switching in <see cref="SwitchCurveRule"/>.
/// </summary>
internal static class Rules
{
    /// <summary>A ratio at or above this is a real difference.</summary>
    internal const double Clearly = 1.2;

    /// <summary>A ratio at or below this is "no difference".</summary>
    internal const double Same = 1.1;

    /// <summary>Judged at the OS level (an idle C program against a pthread); the .NET level (a worker process against a Thread) is reported beside it.</summary>
    public static Judgement Memory(Evidence e)
    {
        double ratio = e.ProcessPss / Math.Max(e.PthreadPss, 0.001);
        double dotNet = e.WorkerPss / Math.Max(e.ThreadPss, 0.001);
        string evidence = $"OS level: PSS per extra process {Num(e.ProcessPss)} KiB (idle /bin/cat) vs per extra pthread {Num(e.PthreadPss)} KiB ({Ratio(ratio)}); " +
            $".NET level: per Spindle worker process {Num(e.WorkerPss)} KiB vs per extra Thread {Num(e.ThreadPss)} KiB ({Ratio(dotNet)})";
        string process = $"OS: {Num(e.ProcessPss)} KiB PSS (/bin/cat); .NET: {Num(e.WorkerPss)} KiB (worker)";
        string thread = $"OS: {Num(e.PthreadPss)} KiB PSS (pthread); .NET: {Num(e.ThreadPss)} KiB (Thread)";
        var comparison = new Comparison(ratio, e.MemoryAbove, e.MemoryWithin(Clearly));
        evidence += $"; OS level {comparison.Test}";
        return new(comparison.Outcome, evidence, comparison.Outcome switch
            {
                VerdictOutcome.Confirmed => $"At the OS level each process brings its own address space and costs {Ratio(ratio)} the memory of a thread, which only adds a stack; at the .NET level a worker process (a whole runtime) costs {Ratio(dotNet)} a Thread.",
                VerdictOutcome.Refuted => "At the OS level an extra process cost no more memory than an extra thread here.",
                _ => AtOsLevel(comparison.NotShown($"an extra process's memory cost {Ratio(ratio)} as much as an extra thread's")),
            },
            process, thread);
    }

    public static Judgement Isolation(Evidence e)
    {
        (bool threadKilled, bool poolServed, string summary) = e.IsolationOutcome;
        VerdictOutcome outcome = threadKilled && poolServed ? VerdictOutcome.Confirmed : threadKilled || poolServed ? VerdictOutcome.Depends : VerdictOutcome.Refuted;
        string why = outcome == VerdictOutcome.Confirmed
            ? "A thread's unhandled exception ended its whole process, while crashed and killed worker processes left the pool answering every call."
            : "Only part of the isolation claim held in this run (see the evidence).";
        return new(outcome, summary, why, poolServed ? "crash contained: pool kept serving" : "crash not contained", threadKilled ? "one thread's crash ended the process" : "process survived");
    }

    /// <summary>Judged at the OS level (posix_spawn against pthread_create); the .NET level (WorkerProcess against new Thread) is reported beside it.</summary>
    public static Judgement Creation(Evidence e)
    {
        double ratio = e.ProcessCreate / e.ThreadCreate;
        double dotNet = e.WorkerProcessCreate / e.DotNetThreadCreate;
        string evidence = $"OS level: /bin/true via posix_spawn+waitpid {Time(e.ProcessCreate)} vs pthread_create+join {Time(e.ThreadCreate)} ({Ratio(ratio)}); " +
            $".NET level: WorkerProcess start+exit {Time(e.WorkerProcessCreate)} vs new Thread start+join {Time(e.DotNetThreadCreate)} ({Ratio(dotNet)}); " +
            $"also Process.Start(/bin/true) {Time(e.ProcessStart)}, Spindle worker process cold start to first result {Time(e.PoolColdStart)}";
        var comparison = new Comparison(ratio, e.CreationAbove, e.CreationWithin(Clearly));
        evidence += $"; OS level {comparison.Test}";
        return new(comparison.Outcome, evidence, comparison.Outcome switch
            {
                VerdictOutcome.Confirmed => $"At the OS level starting a process took {Ratio(ratio)} as long as starting a thread; at the .NET level {Ratio(dotNet)}, as a worker process starts a whole runtime.",
                VerdictOutcome.Refuted => "At the OS level process and thread creation cost about the same here.",
                _ => AtOsLevel(comparison.NotShown($"starting a process cost {Ratio(ratio)} as much as starting a thread")),
            },
            $"OS: {Time(e.ProcessCreate)} (posix_spawn); .NET: {Time(e.WorkerProcessCreate)} (WorkerProcess)",
            $"OS: {Time(e.ThreadCreate)} (pthread_create); .NET: {Time(e.DotNetThreadCreate)} (new Thread)");
    }

    public static Judgement ContextSwitch(Evidence e) => SwitchCurveRule.Judge(e);

    /// <summary>The rows judged at the OS level say so whatever their outcome (the .NET level is reported beside).</summary>
    private static string AtOsLevel(string why) => $"At the OS level: {why}";

    public static Judgement OsProtection(Evidence e)
    {
        (_, bool poolServed, string summary) = e.IsolationOutcome;
        string raw = e.Fact("isolation", "raw process crash");
        return poolServed
            ? new(VerdictOutcome.Confirmed, $"{summary}; {raw}", "The kernel confined a segfault and a kill to the process that suffered them; everything else kept running.")
            : new(VerdictOutcome.Refuted, $"{summary}; {raw}", "A crashed worker disturbed the other calls in this run.");
    }

    public static Judgement ShareData(Evidence e)
    {
        int big = e.LargeSize;
        double thread = e.PoolLatency(Spindle.Isolation.Thread, big);
        double process = e.PoolLatency(Spindle.Isolation.Process, big);
        double pipeRatio = e.Latency("pipe", Subject.Process, e.SmallSize) / e.Latency("shm", Subject.Thread, e.SmallSize);
        string evidence = $"passing {CommSize(big)} through a Spindle pool: thread worker {Time(thread)}, process worker {Time(process)} ({Ratio(process / thread)}); " +
            $"{CommSize(e.SmallSize)}: pipe between processes {Ratio(pipeRatio)} the thread hand-off";
        var comparison = new Comparison(process / thread, e.PoolLatencyAbove(big), e.PoolLatencyWithin(big, Clearly));
        evidence += $"; {comparison.Test}";
        return new(comparison.Outcome, evidence, comparison.Outcome switch
        {
            VerdictOutcome.Confirmed => "Threads hand over a reference; processes must copy every byte both ways, which grows with the data.",
            VerdictOutcome.Refuted => "Sharing data with a process cost no more than with a thread here.",
            _ => comparison.NotShown($"passing data to a process cost {Ratio(process / thread)} as much as to a thread"),
        });
    }

    /// <summary>
    /// Judged on memory per wait: a process per wait against a thread per wait, then async tasks against threads. Each
    /// comparison the verdict rests on must be shown by the samples, not only by the medians.
    /// </summary>
    public static Judgement IoBound(Evidence e)
    {
        double threadKiB = e.IoMemory(Subject.Thread, Origin.Raw);
        double asyncKiB = e.IoMemory(Subject.Async, Origin.Raw);
        double processKiB = e.IoMemory(Subject.Process, Origin.Raw);
        double threadMs = e.IoTime(Subject.Thread, Origin.Raw);
        double asyncMs = e.IoTime(Subject.Async, Origin.Raw);
        double ratio = processKiB / threadKiB;
        Separation processAbove = e.IoMemoryAbove(Subject.Process, Subject.Thread);
        Parity processWithin = e.IoMemoryWithin(Subject.Process, Subject.Thread, Clearly);
        string evidence = $"{e.IoWaits} waits: threads {Num(threadMs)} ms, {Num(threadKiB)} KiB each; async tasks {Num(asyncMs)} ms, {Num(asyncKiB)} KiB each; " +
            $"one process per wait {Num(processKiB)} KiB each; pooled processes {Num(e.IoMemory(Subject.Process, Origin.Spindle))} KiB per wait; " +
            $"process vs thread memory {(ratio >= Clearly ? processAbove : processWithin)}";
        string processPerWait = $"a process per wait cost {Ratio(ratio)} the memory of a thread per wait";
        if (ratio < Clearly)
        {
            return processWithin.Shown
                ? new(VerdictOutcome.Refuted, evidence, "A process per wait cost no more memory than a thread per wait here.")
                : new(VerdictOutcome.Depends, evidence, Inconclusive.Scatter(processPerWait, processWithin));
        }

        if (!processAbove.Shown)
        {
            return new(VerdictOutcome.Depends, evidence, Inconclusive.Overlap(processPerWait, processAbove));
        }

        if (asyncKiB * 2 >= threadKiB)
        {
            return new(VerdictOutcome.Confirmed, evidence, "Threads held the waits with far less memory than processes.");
        }

        // "Async held the waits at less than half a thread's memory": the thread's samples above twice the async task's.
        Separation threadAboveTwiceAsync = e.IoMemoryAbove(Subject.Thread, Subject.Async, times: 2);
        double asyncSaving = threadKiB / Math.Max(asyncKiB, 0.01);
        return threadAboveTwiceAsync.Shown
            ? new(VerdictOutcome.Depends, $"{evidence}; thread vs twice async memory {threadAboveTwiceAsync}",
                $"Threads beat processes for waiting, but async tasks held the same waits at {Ratio(asyncSaving)} less memory per wait: in .NET, use async for I/O.")
            : new(VerdictOutcome.Depends, $"{evidence}; thread vs twice async memory {threadAboveTwiceAsync}",
                Inconclusive.Overlap($"threads beat processes for waiting, and a thread per wait cost {Ratio(asyncSaving)} the memory of an async task (more than twice)", threadAboveTwiceAsync));
    }

    public static Judgement SwitchAndMemory(Evidence e)
    {
        Judgement memory = Memory(e);
        Judgement switching = ContextSwitch(e);
        VerdictOutcome outcome = Both(memory, switching);
        return new(outcome, $"{memory.Evidence}; {switching.Evidence}",
            $"Memory: {memory.Outcome.ToString().ToLowerInvariant()}; context switching: {switching.Outcome.ToString().ToLowerInvariant()} — {switching.Why}");
    }

    public static Judgement Performance(Evidence e)
    {
        double ratio = e.DispatchProcess / e.DispatchThread;
        Judgement comm = CommunicationRule.Judge(e);
        var comparison = new Comparison(ratio, e.DispatchAbove, e.DispatchWithin(Clearly));
        string evidence = $"a call to a warm worker: process {Time(e.DispatchProcess)}, thread {Time(e.DispatchThread)} ({Ratio(ratio)}, {comparison.Test}); {comm.Evidence}";
        return new(comparison.Outcome, evidence, comparison.Outcome switch
        {
            VerdictOutcome.Confirmed => "Handing work to a thread is clearly faster than sending it to a process.",
            VerdictOutcome.Refuted => "Calls to a worker process were as fast as to a worker thread here.",
            _ => comparison.NotShown($"a call to a process worker cost {Ratio(ratio)} as much as to a thread worker"),
        });
    }

    public static Judgement SharedResources(Evidence e)
    {
        Judgement memory = Memory(e);
        Judgement share = ShareData(e);
        VerdictOutcome outcome = memory.Outcome == VerdictOutcome.Confirmed && share.Outcome == VerdictOutcome.Confirmed ? VerdictOutcome.Confirmed : VerdictOutcome.Depends;
        return new(outcome, $"{memory.Evidence}; {share.Evidence}", outcome == VerdictOutcome.Confirmed
            ? "Threads share one copy of code, heap and data, so they use less memory and pass data without copying."
            : $"Not both of memory use and data passing favoured threads here (memory: {memory.Outcome.ToString().ToLowerInvariant()}; sharing data: {share.Outcome.ToString().ToLowerInvariant()}).");
    }

    public static Judgement Conclusion(Evidence e)
    {
        Judgement share = ShareData(e);
        Judgement io = IoBound(e);
        VerdictOutcome outcome = share.Outcome == io.Outcome ? share.Outcome : VerdictOutcome.Depends;
        return new(outcome, $"{share.Evidence}; {io.Evidence}", $"Sharing data: {share.Outcome.ToString().ToLowerInvariant()}; I/O-bound: {io.Outcome.ToString().ToLowerInvariant()} — {io.Why}");
    }

    /// <summary>
    /// A claim of two parts: confirmed or refuted only when both parts are, so that a part whose samples did not show
    /// its medians ("depends") never turns into a verdict.
    /// </summary>
    private static VerdictOutcome Both(Judgement first, Judgement second) =>
        first.Outcome == second.Outcome && first.Outcome is VerdictOutcome.Confirmed or VerdictOutcome.Refuted ? first.Outcome : VerdictOutcome.Depends;

    private static string CommSize(int size) => Experiments.CommunicationExperiment.Bytes(size);
}
