using System.Diagnostics;

namespace Spindle.Calls;

/// <summary>
/// How long calls of one method run on a worker process, as a moving average of what the pool has seen. The pool
/// sends a busy worker calls ahead of time only when it knows they are short (see WorkerPoolOptions.PipelineDepth).
/// </summary>
internal sealed class CallProfile
{
    /// <summary>What <see cref="EstimateTicks"/> says before any call of the method has finished.</summary>
    public const long Unknown = long.MaxValue;

    private long _averageTicks = Unknown;

    /// <summary>The expected run time in <see cref="Stopwatch"/> ticks, or <see cref="Unknown"/>.</summary>
    public long EstimateTicks => Volatile.Read(ref _averageTicks);

    /// <summary>Adds one observed run time. Racing updates from several workers may drop a sample; an estimate needs no more.</summary>
    public void Record(long ticks)
    {
        long average = Volatile.Read(ref _averageTicks);

        // An eighth of the weight on the newest sample: steady against noise, yet a method that slows down is noticed within a few calls.
        Volatile.Write(ref _averageTicks, average == Unknown ? ticks : average + ((ticks - average) / 8));
    }

    /// <summary><paramref name="a"/> + <paramref name="b"/>, where anything unknown makes the sum unknown.</summary>
    public static long Add(long a, long b) => a == Unknown || b == Unknown || a > Unknown - b ? Unknown : a + b;
}
