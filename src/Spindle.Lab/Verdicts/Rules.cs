using Spindle.Lab.Experiments.Channels;
using Spindle.Lab.Model;
using Spindle;
using Spindle.Pools;
using static Spindle.Lab.Verdicts.Evidence;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The rules behind the verdicts. Each compares medians of this run; the thresholds say when a difference is big
/// enough to count (machines are noisy: within 10% is "the same").
/// </summary>
internal static class Rules
{
    /// <summary>A ratio at or above this is a real difference.</summary>
    private const double Clearly = 1.2;

    /// <summary>A ratio at or below this is "no difference".</summary>
    private const double Same = 1.1;

    /// <summary>Judged at the OS level (an idle C program against a pthread); the .NET level (a worker process against a Thread) is reported beside it.</summary>
    public static Judgement Memory(Evidence e)
    {
        double ratio = e.ProcessPss / Math.Max(e.PthreadPss, 0.001);
        double dotNet = e.WorkerPss / Math.Max(e.ThreadPss, 0.001);
        string evidence = $"OS level: PSS per extra process {Num(e.ProcessPss)} KiB (idle /bin/cat) vs per extra pthread {Num(e.PthreadPss)} KiB ({Ratio(ratio)}); " +
            $".NET level: per Spindle worker process {Num(e.WorkerPss)} KiB vs per extra Thread {Num(e.ThreadPss)} KiB ({Ratio(dotNet)})";
        string process = $"OS: {Num(e.ProcessPss)} KiB PSS (/bin/cat); .NET: {Num(e.WorkerPss)} KiB (worker)";
        string thread = $"OS: {Num(e.PthreadPss)} KiB PSS (pthread); .NET: {Num(e.ThreadPss)} KiB (Thread)";
        Separation separation = e.MemoryAbove;
        evidence += $"; OS level {separation}";
        if (ratio >= Clearly && !separation.Shown)
        {
            return new(VerdictOutcome.Depends, evidence, WithinSpread("an extra process's memory", ratio, "an extra thread's", separation), process, thread);
        }

        return ratio >= Clearly
            ? new(VerdictOutcome.Confirmed, evidence,
                $"At the OS level each process brings its own address space and costs {Ratio(ratio)} the memory of a thread, which only adds a stack; at the .NET level a worker process (a whole runtime) costs {Ratio(dotNet)} a Thread.",
                process, thread)
            : new(VerdictOutcome.Refuted, evidence, "At the OS level an extra process cost no more memory than an extra thread here.", process, thread);
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
        Separation separation = e.CreationAbove;
        evidence += $"; OS level {separation}";
        VerdictOutcome outcome = ratio >= Clearly ? (separation.Shown ? VerdictOutcome.Confirmed : VerdictOutcome.Depends) : ratio <= 1 ? VerdictOutcome.Refuted : VerdictOutcome.Depends;
        return new(outcome, evidence, outcome == VerdictOutcome.Confirmed
                ? $"At the OS level starting a process took {Ratio(ratio)} as long as starting a thread; at the .NET level {Ratio(dotNet)}, as a worker process starts a whole runtime."
                : ratio >= Clearly ? WithinSpread("starting a process", ratio, "starting a thread", separation)
                : "At the OS level process and thread creation cost about the same here.",
            $"OS: {Time(e.ProcessCreate)} (posix_spawn); .NET: {Time(e.WorkerProcessCreate)} (WorkerProcess)",
            $"OS: {Time(e.ThreadCreate)} (pthread_create); .NET: {Time(e.DotNetThreadCreate)} (new Thread)");
    }

    public static Judgement ContextSwitch(Evidence e) => SwitchCurveRule.Judge(e);

    /// <summary>Why a median ratio that looks like a difference is not one: the samples overlap too much for their count.</summary>
    private static string WithinSpread(string what, double ratio, string against, Separation separation) =>
        $"At the median {what} cost {Ratio(ratio)} as much as {against}, but the samples overlap too much to say so ({separation}): measure again with more repetitions, on a quieter machine.";

    public static Judgement Concurrency(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        double wanted = 1 + 0.5 * (n - 1);
        string python = PythonThreads(e);
        string evidence = $"speedup with {n} workers on {AllCoresText}: .NET threads {Ratio(threads)}, worker processes {Ratio(processes)}{python}";
        if (n == 1)
        {
            return new(VerdictOutcome.Depends, evidence, "With one core nothing can run in parallel; the claim cannot be tested here.", Ratio(processes), Ratio(threads));
        }

        VerdictOutcome outcome = threads >= wanted && processes >= wanted ? VerdictOutcome.Confirmed : VerdictOutcome.Depends;
        return new(outcome, evidence, outcome == VerdictOutcome.Confirmed
                ? "Both threads and processes ran on all cores at once (speedup near the core count)."
                : "Not both kinds of worker used every core in this run (a loaded machine, or a runtime lock like Python's GIL).",
            $".NET: {Ratio(processes)} on {AllCoresText}{(TryPython(e) is { } pp ? $"; Python: {Ratio(pp.Processes)}" : string.Empty)}",
            $".NET: {Ratio(threads)} on {AllCoresText}{(TryPython(e) is { } pt ? $"; Python: {Ratio(pt.Threads)}" : string.Empty)}");
    }

    public static Judgement Communication(Evidence e)
    {
        int s = e.SmallSize;
        double thread = e.Latency("shm", Subject.Thread, s);
        double shm = e.Latency("shm", Subject.Process, s);
        double pipe = e.Latency("pipe", Subject.Process, s);
        double socket = e.Latency("socket", Subject.Process, s);
        string spindle = string.Concat(new[] { "Spindle Pipe", "Spindle Listener/Client", "Spindle SharedArray<byte> + futex" }
            .Select(name => e.OptionalLatency($"{name}, two processes", s) is { } us ? $", {name} {Time(us)}" : string.Empty));
        string evidence = $"{CommSize(s)} one-way: threads via shared memory {Time(thread)}; processes via shared memory {Time(shm)}, pipe {Time(pipe)}, Unix socket {Time(socket)}{spindle}";
        bool kernelSlower = pipe / thread >= Clearly && socket / thread >= Clearly;
        bool shmSame = shm / thread <= Clearly;
        VerdictOutcome outcome = kernelSlower && !shmSame ? VerdictOutcome.Confirmed : kernelSlower ? VerdictOutcome.Depends : VerdictOutcome.Refuted;
        string why = outcome switch
        {
            VerdictOutcome.Confirmed => "Every IPC mechanism between processes was clearly slower than the shared-memory hand-off between threads.",
            VerdictOutcome.Depends => "Pipes and sockets were slower, but shared memory between processes was as fast as between threads: the cost is the mechanism, not the process boundary.",
            _ => "Process IPC was as fast as the thread hand-off here.",
        };
        string dotNetProcess = e.OptionalLatency("Spindle Pipe, two processes", s) is { } spindlePipe ? $"; .NET: {Time(spindlePipe)} Spindle Pipe" : string.Empty;
        string dotNetThread = e.OptionalLatency(new SpindlePoolRow(Spindle.Isolation.Thread).Series, s) is { } poolCall ? $"; .NET: {Time(poolCall)} pool call" : string.Empty;
        return new(outcome, evidence, $"At the OS level: {why}",
            $"OS: {Time(shm)} shm, {Time(pipe)} pipe, {Time(socket)} socket{dotNetProcess} ({CommSize(s)})", $"OS: {Time(thread)} shared memory{dotNetThread} ({CommSize(s)})");
    }

    public static Judgement UseCase(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        double threadKiB = e.IoMemory(Subject.Thread, Origin.Raw);
        double processKiB = e.IoMemory(Subject.Process, Origin.Raw);
        string evidence = $"heavy CPU work, {n} workers: threads {Ratio(threads)}, processes {Ratio(processes)}; {e.IoWaits} I/O waits: {Num(threadKiB)} KiB per thread vs {Num(processKiB)} KiB per process";
        bool threadsCheaperForIo = processKiB >= threadKiB * Clearly;
        bool threadsAsGoodForHeavy = threads >= processes / Same || NoParallelism(threads, processes) is not null;
        VerdictOutcome outcome = threadsCheaperForIo && !threadsAsGoodForHeavy ? VerdictOutcome.Confirmed : threadsCheaperForIo ? VerdictOutcome.Depends : VerdictOutcome.Refuted;
        return new(outcome, evidence, outcome == VerdictOutcome.Depends
                ? "Threads are the cheaper holder of I/O waits, but in .NET they also run heavy CPU work as fast as processes: pick processes for isolation, not for speed."
                : outcome == VerdictOutcome.Confirmed ? "Processes ran heavy work faster and threads held I/O waits cheaper." : "Threads were not cheaper for I/O waits here.",
            $"heavy work: {Ratio(processes)}", $"I/O waits: {Num(threadKiB)} KiB each");
    }

    public static Judgement CpuBound(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        string evidence = $"speedup with {n} workers: .NET threads {Ratio(threads)}, .NET worker processes {Ratio(processes)}{PythonBoth(e)}";
        if (NoParallelism(threads, processes) is { } idle)
        {
            return new(VerdictOutcome.Depends, evidence, idle);
        }

        bool dotnetThreadsScale = threads >= processes / Same;
        if (TryPython(e) is { } py && py.Processes >= py.Threads * Clearly && dotnetThreadsScale)
        {
            return new(VerdictOutcome.Depends, evidence, "True for Python, whose GIL keeps threads on one core; .NET has no GIL and its threads scale like processes.");
        }

        return dotnetThreadsScale
            ? new(VerdictOutcome.Refuted, evidence, ".NET threads reached the same parallel speedup as processes: CPU-bound work needs no processes in .NET.")
            : new(VerdictOutcome.Confirmed, evidence, "Processes scaled clearly better than threads on CPU-bound work here.");
    }

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
        Separation separation = e.PoolLatencyAbove(big);
        evidence += $"; {separation}";
        if (process / thread >= Clearly && !separation.Shown)
        {
            return new(VerdictOutcome.Depends, evidence, WithinSpread("passing data to a process", process / thread, "to a thread", separation));
        }

        return process / thread >= Clearly
            ? new(VerdictOutcome.Confirmed, evidence, "Threads hand over a reference; processes must copy every byte both ways, which grows with the data.")
            : new(VerdictOutcome.Refuted, evidence, "Sharing data with a process cost no more than with a thread here.");
    }

    public static Judgement IoBound(Evidence e)
    {
        double threadKiB = e.IoMemory(Subject.Thread, Origin.Raw);
        double asyncKiB = e.IoMemory(Subject.Async, Origin.Raw);
        double processKiB = e.IoMemory(Subject.Process, Origin.Raw);
        double threadMs = e.IoTime(Subject.Thread, Origin.Raw);
        double asyncMs = e.IoTime(Subject.Async, Origin.Raw);
        string evidence = $"{e.IoWaits} waits: threads {Num(threadMs)} ms, {Num(threadKiB)} KiB each; async tasks {Num(asyncMs)} ms, {Num(asyncKiB)} KiB each; " +
            $"one process per wait {Num(processKiB)} KiB each; pooled processes {Num(e.IoMemory(Subject.Process, Origin.Spindle))} KiB per wait";
        if (processKiB < threadKiB * Clearly)
        {
            return new(VerdictOutcome.Refuted, evidence, "A process per wait cost no more memory than a thread per wait here.");
        }

        return asyncKiB * 2 < threadKiB
            ? new(VerdictOutcome.Depends, evidence, $"Threads beat processes for waiting, but async tasks held the same waits at {Ratio(threadKiB / Math.Max(asyncKiB, 0.01))} less memory per wait: in .NET, use async for I/O.")
            : new(VerdictOutcome.Confirmed, evidence, "Threads held the waits with far less memory than processes.");
    }

    public static Judgement SwitchAndMemory(Evidence e)
    {
        Judgement memory = Memory(e);
        Judgement switching = ContextSwitch(e);
        VerdictOutcome outcome = memory.Outcome == VerdictOutcome.Confirmed && switching.Outcome == VerdictOutcome.Confirmed ? VerdictOutcome.Confirmed
            : memory.Outcome == VerdictOutcome.Confirmed || switching.Outcome == VerdictOutcome.Confirmed ? VerdictOutcome.Depends
            : VerdictOutcome.Refuted;
        return new(outcome, $"{memory.Evidence}; {switching.Evidence}",
            $"Memory: {memory.Outcome.ToString().ToLowerInvariant()}; context switching: {switching.Outcome.ToString().ToLowerInvariant()} — {switching.Why}");
    }

    public static Judgement Performance(Evidence e)
    {
        double ratio = e.DispatchProcess / e.DispatchThread;
        Judgement comm = Communication(e);
        Separation separation = e.DispatchAbove;
        string evidence = $"a call to a warm worker: process {Time(e.DispatchProcess)}, thread {Time(e.DispatchThread)} ({Ratio(ratio)}, {separation}); {comm.Evidence}";
        if (ratio >= Clearly && !separation.Shown)
        {
            return new(VerdictOutcome.Depends, evidence, WithinSpread("a call to a process worker", ratio, "to a thread worker", separation));
        }

        return ratio >= Clearly
            ? new(VerdictOutcome.Confirmed, evidence, "Handing work to a thread is clearly faster than sending it to a process.")
            : new(VerdictOutcome.Refuted, evidence, "Calls to a worker process were as fast as to a worker thread here.");
    }

    public static Judgement SharedResources(Evidence e)
    {
        Judgement memory = Memory(e);
        Judgement share = ShareData(e);
        VerdictOutcome outcome = memory.Outcome == VerdictOutcome.Confirmed && share.Outcome == VerdictOutcome.Confirmed ? VerdictOutcome.Confirmed : VerdictOutcome.Depends;
        return new(outcome, $"{memory.Evidence}; {share.Evidence}", outcome == VerdictOutcome.Confirmed
            ? "Threads share one copy of code, heap and data, so they use less memory and pass data without copying."
            : "Only one of memory use and data passing favoured threads here.");
    }

    public static Judgement HeavyTasks(Evidence e)
    {
        int n = AllCores;
        double threads = e.Speedup("Threads", n);
        double processes = e.Speedup("WorkerPool (process isolation)", n);
        string evidence = $"heavy CPU work, {n} workers: threads {Ratio(threads)}, processes {Ratio(processes)}; {e.IsolationOutcome.Summary}";
        if (NoParallelism(threads, processes) is { } idle)
        {
            return new(VerdictOutcome.Depends, evidence, idle);
        }

        return threads >= processes / Same
            ? new(VerdictOutcome.Depends, evidence, "Threads ran the heavy work as fast as processes (no interference measured); separate memory pays off for crashes and leaks, not speed.")
            : new(VerdictOutcome.Confirmed, evidence, "Processes ran the heavy work clearly faster than threads here.");
    }

    public static Judgement Conclusion(Evidence e)
    {
        Judgement share = ShareData(e);
        Judgement io = IoBound(e);
        VerdictOutcome outcome = share.Outcome == io.Outcome ? share.Outcome : VerdictOutcome.Depends;
        return new(outcome, $"{share.Evidence}; {io.Evidence}", $"Sharing data: {share.Outcome.ToString().ToLowerInvariant()}; I/O-bound: {io.Outcome.ToString().ToLowerInvariant()} — {io.Why}");
    }

    /// <summary>Why a speedup comparison says nothing when neither kind of worker ran in parallel (a busy machine), or null.</summary>
    private static string? NoParallelism(double threads, double processes) =>
        AllCores > 1 && Math.Max(threads, processes) < 1 + 0.5 * (AllCores - 1)
            ? $"Neither threads nor processes sped up in this run (best {Ratio(Math.Max(threads, processes))} on {AllCoresText}): the machine had no idle cores, so the claim cannot be judged here; rerun on a quiet machine."
            : null;

    private static string CommSize(int size) => Experiments.CommunicationExperiment.Bytes(size);

    private static (double Threads, double Processes)? TryPython(Evidence e)
    {
        try
        {
            return (e.Speedup("Python threading.Thread", AllCores), e.Speedup("Python multiprocessing.Pool", AllCores));
        }
        catch (MissingEvidenceException)
        {
            return null;
        }
    }

    private static string PythonThreads(Evidence e) => TryPython(e) is { } py ? $"; Python threads {Ratio(py.Threads)}" : string.Empty;

    private static string PythonBoth(Evidence e) =>
        TryPython(e) is { } py ? $"; Python threads {Ratio(py.Threads)}, Python processes {Ratio(py.Processes)}" : "; Python not measured";
}
