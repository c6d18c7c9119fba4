using Spindle.Lab.Experiments.Channels;
using Spindle.Lab.Model;
using static Spindle.Lab.Verdicts.Evidence;
using static Spindle.Lab.Verdicts.Rules;

namespace Spindle.Lab.Verdicts;

/// <summary>
/// The inter-communication claim, judged at the OS level on the smallest message: the one-way latency of shared
/// memory, a pipe and a Unix socket between two processes against the shared-memory hand-off between two threads.
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
            $"OS: {Time(shm)} shm, {Time(pipe)} pipe, {Time(socket)} socket{dotNetProcess} ({Size(s)})", $"OS: {Time(thread)} shared memory{dotNetThread} ({Size(s)})");
    }

    private static string Size(int size) => Experiments.CommunicationExperiment.Bytes(size);
}
