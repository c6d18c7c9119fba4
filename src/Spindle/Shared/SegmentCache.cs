using System.Numerics;
using System.Runtime.Versioning;

namespace Spindle.Shared;

/// <summary>
/// Handoff segments kept for reuse between calls, sized in powers of two, up to <see cref="MaxCachedBytes"/> in
/// all. Kept segments hold tmpfs memory; <see cref="Clear"/> (called when a pool is disposed) gives it back, and the
/// segments are anonymous (<see cref="Segment.CreateAnonymous"/>), so a crash frees them with the process.
/// </summary>
internal static class SegmentCache
{
    /// <summary>The most bytes kept for reuse.</summary>
    public const long MaxCachedBytes = 256L << 20;

    private static readonly Lock Gate = new();
    private static readonly List<Segment> Free = [];
    private static long _freeBytes;

    /// <summary>A segment of at least <paramref name="bytes"/> bytes: a kept one if one fits, else a new one.</summary>
    [SupportedOSPlatform("linux")]
    public static Segment Take(long bytes)
    {
        long capacity = Math.Max(4096, (long)BitOperations.RoundUpToPowerOf2((ulong)bytes));
        lock (Gate)
        {
            int best = -1;
            for (int i = 0; i < Free.Count; i++)
            {
                if (Free[i].DataLength >= bytes && (best < 0 || Free[i].DataLength < Free[best].DataLength))
                {
                    best = i;
                }
            }

            if (best >= 0 && Free[best].DataLength <= capacity * 2)
            {
                Segment kept = Free[best];
                Free.RemoveAt(best);
                _freeBytes -= kept.DataLength;
                return kept;
            }
        }

        return Segment.CreateAnonymous(SegmentDirectory.NewName(ArrayHandoff.NamePrefix), capacity);
    }

    /// <summary>Gives segments back after the call that used them is over.</summary>
    public static void Return(List<Segment> segments)
    {
        foreach (Segment segment in segments)
        {
            bool kept = false;
            lock (Gate)
            {
                if (_freeBytes + segment.DataLength <= MaxCachedBytes)
                {
                    Free.Add(segment);
                    _freeBytes += segment.DataLength;
                    kept = true;
                }
            }

            if (!kept)
            {
                segment.Dispose();
            }
        }
    }

    /// <summary>Closes (and so removes) every kept segment.</summary>
    public static void Clear()
    {
        Segment[] closing;
        lock (Gate)
        {
            closing = [.. Free];
            Free.Clear();
            _freeBytes = 0;
        }

        foreach (Segment segment in closing)
        {
            segment.Dispose();
        }
    }
}
