using System.Diagnostics;
using Spindle.Lab.Os;

namespace Spindle.Lab.Experiments;

/// <summary>
/// The two sides of a ping-pong, through a futex word in shared memory or through a pair of named pipes. The
/// answering side is the same code whether it runs on another thread or in another process (a pool worker), so
/// the two differ only in what the kernel switches between.
/// </summary>
internal static class PingPong
{
    private const int Turn = 0;
    private const int NotStarted = 2;

    /// <summary>A fresh region for one futex ping-pong, waiting for the answering side.</summary>
    public static SharedRegion CreateFutexRegion(string path)
    {
        SharedRegion region = SharedRegion.Create(path, dataBytes: 64);
        region.Set(Turn, NotStarted);
        return region;
    }

    /// <summary>The opening side: <paramref name="rounds"/> round trips; returns elapsed ticks and its voluntary switches.</summary>
    public static long[] FutexServe(SharedRegion region, int rounds, int cpu, ProcFs proc)
    {
        bool pinned = LabNative.TryPinToCpu(cpu);
        try
        {
            region.WaitFor(Turn, 0);
            long? before = proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId());
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < rounds; i++)
            {
                region.Set(Turn, 1);
                region.WaitFor(Turn, 0);
            }

            long elapsed = Stopwatch.GetTimestamp() - start;
            long? after = proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId());
            return [elapsed, Delta(before, after), pinned ? 1 : 0];
        }
        finally
        {
            LabNative.Unpin();
        }
    }

    /// <summary>The answering side (runs on a thread or in a worker process): returns its voluntary switches.</summary>
    public static long FutexAnswer(string path, int rounds, int cpu)
    {
        var proc = ProcFs.FromEnvironment();
        using SharedRegion region = SharedRegion.Open(path, dataBytes: 64);
        _ = LabNative.TryPinToCpu(cpu);
        try
        {
            long? before = proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId());
            region.Set(Turn, 0);
            for (int i = 0; i < rounds; i++)
            {
                region.WaitFor(Turn, 1);
                region.Set(Turn, 0);
            }

            return Delta(before, proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId()));
        }
        finally
        {
            LabNative.Unpin();
        }
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
        bool pinned = LabNative.TryPinToCpu(cpu);
        int ping = LabNative.Open(Path.Combine(directory, "ping"), FileAccess.Write);
        int pong = LabNative.Open(Path.Combine(directory, "pong"), FileAccess.Read);
        try
        {
            Span<byte> one = stackalloc byte[1];
            LabNative.ReadExactly(pong, one);
            long? before = proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId());
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < rounds; i++)
            {
                LabNative.WriteAll(ping, one);
                LabNative.ReadExactly(pong, one);
            }

            long elapsed = Stopwatch.GetTimestamp() - start;
            long? after = proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId());
            return [elapsed, Delta(before, after), pinned ? 1 : 0];
        }
        finally
        {
            LabNative.Close(ping);
            LabNative.Close(pong);
            LabNative.Unpin();
        }
    }

    /// <summary>The answering side of a pipe ping-pong (a thread or a worker process).</summary>
    public static long PipeAnswer(string directory, int rounds, int cpu)
    {
        var proc = ProcFs.FromEnvironment();
        int ping = LabNative.Open(Path.Combine(directory, "ping"), FileAccess.Read);
        int pong = LabNative.Open(Path.Combine(directory, "pong"), FileAccess.Write);
        _ = LabNative.TryPinToCpu(cpu);
        try
        {
            Span<byte> one = stackalloc byte[1];
            LabNative.WriteAll(pong, one);
            long? before = proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId());
            for (int i = 0; i < rounds; i++)
            {
                LabNative.ReadExactly(ping, one);
                LabNative.WriteAll(pong, one);
            }

            return Delta(before, proc.VoluntarySwitches(Environment.ProcessId, LabNative.ThreadId()));
        }
        finally
        {
            LabNative.Close(ping);
            LabNative.Close(pong);
            LabNative.Unpin();
        }
    }

    /// <summary>-1 marks "counter not readable", so the report can say so rather than invent a count.</summary>
    private static long Delta(long? before, long? after) => before is { } b && after is { } a ? a - b : -1;
}
