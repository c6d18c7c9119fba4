using System.Diagnostics;
using Spindle.Lab.Os;
using Spindle.Interop;

namespace Spindle.Lab.Experiments.Switching;

/// <summary>
/// The two sides of a ping-pong, through a futex word in shared memory (each side touching a private working set
/// before every hand-off) or through a pair of named pipes. The answering side is the same code whether it runs on
/// another thread or in another process (a pool worker), so the two differ only in what the kernel switches between.
/// </summary>
internal static class PingPong
{
    private const int Turn = 0;

    // The futex ping-pong's turn word walks through these before the timed rounds, so that no two set-up steps share
    // the CPU both sides are pinned to: a side that allocates or times its array alone runs while the other sleeps.
    private const int Answering = 0;
    private const int Serving = 1;
    private const int NotStarted = 2;
    private const int AnswerAllocated = 3;
    private const int AnswerMayTime = 4;

    /// <summary>A fresh region for one futex ping-pong, waiting for the answering side.</summary>
    public static SharedRegion CreateFutexRegion(string path)
    {
        SharedRegion region = SharedRegion.Create(path, dataBytes: 64);
        region.Set(Turn, NotStarted);
        return region;
    }

    /// <summary>Touches of the array alone, with no switch, that give the cost subtracted from each switch.</summary>
    public static int TouchesAlone(int rounds) => Math.Clamp(rounds / 2, 16, 2000);

    /// <summary>
    /// The opening side: <paramref name="rounds"/> round trips, touching its own array of <paramref name="workingSetBytes"/>
    /// before each hand-off, as the answering side does with its own.
    /// </summary>
    public static FutexServed FutexServe(SharedRegion region, int rounds, int cpu, int workingSetBytes, ProcFs proc)
    {
        using LabNative.CpuPin pin = LabNative.PinTo(cpu);
        region.WaitFor(Turn, AnswerAllocated);
        using var workingSet = new WorkingSet(workingSetBytes);
        double alone = workingSet.MicrosecondsAlone(TouchesAlone(rounds));
        region.Set(Turn, AnswerMayTime);
        region.WaitFor(Turn, Answering);
        long[] before = proc.SwitchesOfThisThread();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < rounds; i++)
        {
            workingSet.Touch();
            region.Set(Turn, Serving);
            region.WaitFor(Turn, Answering);
        }

        long elapsed = Stopwatch.GetTimestamp() - start;
        long[] after = proc.SwitchesOfThisThread();
        return new FutexServed(elapsed, pin.Pinned, new FutexSide(Delta(before, after), alone, workingSet.Checksum, workingSet.Touches, workingSet.Lines));
    }

    /// <summary>The answering side (runs on a thread or in a worker process), with its own array of <paramref name="workingSetBytes"/>.</summary>
    public static FutexSide FutexAnswer(string path, int rounds, int cpu, int workingSetBytes)
    {
        var proc = ProcFs.FromEnvironment();
        using SharedRegion region = SharedRegion.Open(path, dataBytes: 64);
        using LabNative.CpuPin pin = LabNative.PinTo(cpu);
        using var workingSet = new WorkingSet(workingSetBytes);
        region.Set(Turn, AnswerAllocated);
        region.WaitFor(Turn, AnswerMayTime);
        double alone = workingSet.MicrosecondsAlone(TouchesAlone(rounds));
        long[] before = proc.SwitchesOfThisThread();
        region.Set(Turn, Answering);
        for (int i = 0; i < rounds; i++)
        {
            region.WaitFor(Turn, Serving);
            workingSet.Touch();
            region.Set(Turn, Answering);
        }

        return new FutexSide(Delta(before, proc.SwitchesOfThisThread()), alone, workingSet.Checksum, workingSet.Touches, workingSet.Lines);
    }

    /// <summary>The two FIFOs of a pipe ping-pong in <paramref name="directory"/>.</summary>
    public static string[] Fifos(string directory) => [Path.Combine(directory, "ping"), Path.Combine(directory, "pong")];

    /// <summary>Creates the two FIFOs of a pipe ping-pong in <paramref name="directory"/>.</summary>
    public static void CreateFifos(string directory)
    {
        Directory.CreateDirectory(directory);
        LabNative.MakeFifo(Path.Combine(directory, "ping"));
        LabNative.MakeFifo(Path.Combine(directory, "pong"));
    }

    /// <summary>The opening side of a pipe ping-pong: one byte each way per round trip.</summary>
    public static long[] PipeServe(string directory, int rounds, int cpu, ProcFs proc)
    {
        using LabNative.CpuPin pin = LabNative.PinTo(cpu);
        int ping = LabNative.Open(Path.Combine(directory, "ping"), FileAccess.Write);
        int pong = LabNative.Open(Path.Combine(directory, "pong"), FileAccess.Read);
        try
        {
            Span<byte> one = stackalloc byte[1];
            LabNative.ReadExactly(pong, one);
            long[] before = proc.SwitchesOfThisThread();
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < rounds; i++)
            {
                LabNative.WriteAll(ping, one);
                LabNative.ReadExactly(pong, one);
            }

            long elapsed = Stopwatch.GetTimestamp() - start;
            long[] after = proc.SwitchesOfThisThread();
            return [elapsed, pin.Pinned ? 1 : 0, .. Delta(before, after)];
        }
        finally
        {
            LabNative.Close(ping);
            LabNative.Close(pong);
        }
    }

    /// <summary>The answering side of a pipe ping-pong (a thread or a worker process).</summary>
    public static long[] PipeAnswer(string directory, int rounds, int cpu)
    {
        var proc = ProcFs.FromEnvironment();
        int ping = LabNative.Open(Path.Combine(directory, "ping"), FileAccess.Read);
        int pong = LabNative.Open(Path.Combine(directory, "pong"), FileAccess.Write);
        using LabNative.CpuPin pin = LabNative.PinTo(cpu);
        try
        {
            Span<byte> one = stackalloc byte[1];
            LabNative.WriteAll(pong, one);
            long[] before = proc.SwitchesOfThisThread();
            for (int i = 0; i < rounds; i++)
            {
                LabNative.ReadExactly(ping, one);
                LabNative.WriteAll(pong, one);
            }

            return Delta(before, proc.SwitchesOfThisThread());
        }
        finally
        {
            LabNative.Close(ping);
            LabNative.Close(pong);
        }
    }

    /// <summary>Voluntary and involuntary switches in between; -1 marks "counter not readable", so the report can say so rather than invent a count.</summary>
    private static long[] Delta(long[] before, long[] after) => [.. before.Zip(after, (b, a) => b >= 0 && a >= 0 ? a - b : -1)];
}
