using System.Diagnostics;
using Spindle.Lab.Os;
using Spindle.Sync;
using Spindle.Interop;

namespace Spindle.Lab.Experiments.Switching;

/// <summary>The ping-pong through Spindle's <see cref="SharedEvent"/>s (two auto-reset events), on a thread or in a worker process.</summary>
internal static class EventPingPong
{
    /// <summary>The opening side; <paramref name="pong"/> is first set by the answering side when it is ready.</summary>
    public static long[] Serve(SharedEvent ping, SharedEvent pong, int rounds, int cpu, ProcFs proc, CancellationToken cancellationToken)
    {
        using LabNative.CpuPin pin = LabNative.PinTo(cpu);
        pong.Wait(cancellationToken);
        long[] before = proc.SwitchesOfThisThread();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < rounds; i++)
        {
            ping.Set();
            pong.Wait(cancellationToken);
        }

        long elapsed = Stopwatch.GetTimestamp() - start;
        long[] after = proc.SwitchesOfThisThread();
        return [elapsed, pin.Pinned ? 1 : 0, .. before.Zip(after, (b, a) => b >= 0 && a >= 0 ? a - b : -1)];
    }

    /// <summary>The answering side: opens both events by name ("ping|pong").</summary>
    public static long[] Answer(string names, int rounds, int cpu)
    {
        var proc = ProcFs.FromEnvironment();
        string[] parts = names.Split('|');
        using SharedEvent ping = SharedEvent.Open(parts[0]);
        using SharedEvent pong = SharedEvent.Open(parts[1]);
        using LabNative.CpuPin pin = LabNative.PinTo(cpu);
        long[] before = proc.SwitchesOfThisThread();
        pong.Set();
        for (int i = 0; i < rounds; i++)
        {
            ping.Wait();
            pong.Set();
        }

        long[] after = proc.SwitchesOfThisThread();
        return [.. before.Zip(after, (b, a) => b >= 0 && a >= 0 ? a - b : -1)];
    }
}
