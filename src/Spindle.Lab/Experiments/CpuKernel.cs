using System.Diagnostics;

namespace Spindle.Lab.Experiments;

/// <summary>The CPU-bound work of the scaling experiment: a xorshift loop the JIT cannot drop (its result is returned).</summary>
internal static class CpuKernel
{
    public static long Burn(long iterations)
    {
        ulong x = 88172645463325252UL;
        for (long i = 0; i < iterations; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }

        return (long)x;
    }

    /// <summary>Iterations that take about <paramref name="target"/> on one core of this machine.</summary>
    public static long Calibrate(TimeSpan target)
    {
        const long Probe = 2_000_000;
        _ = Burn(Probe);
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            long start = Stopwatch.GetTimestamp();
            _ = Burn(Probe);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return (long)(Probe * target.TotalMilliseconds / Math.Max(best, 0.001));
    }
}
