using System.Runtime.Versioning;

namespace Spindle.Shared;

/// <summary>
/// Shared arrays a worker created and handed to its caller as results, kept for reuse: once the caller has disposed
/// one, the next <see cref="SharedArray"/> of the same element type and length the worker creates takes its pages
/// instead of new ones. A new 64 MiB segment costs the kernel's zeroing of every page and a mapping in both processes,
/// several times the copy that fills it; a reused one costs neither.
/// </summary>
/// <remarks>
/// Only arrays created here without a name are kept (nobody can open them but the caller they were handed to), at most
/// <see cref="MaxKept"/>; keeping one holds its pages, so the oldest is let go when another comes. If this process
/// dies, its parent removes what it kept (<see cref="ResultArenaReader"/> sweeps a dead worker's objects).
/// </remarks>
[SupportedOSPlatform("linux")]
internal static class HandedOverArrays
{
    private const int MaxKept = 4;

    private static readonly Lock Gate = new();
    private static readonly List<Segment> Kept = [];

    /// <summary>Keeps this process's use of <paramref name="segment"/>, just handed over, for reuse.</summary>
    public static void Keep(Segment segment)
    {
        Segment? dropped = null;
        lock (Gate)
        {
            if (Kept.Count >= MaxKept)
            {
                dropped = Kept[0];
                Kept.RemoveAt(0);
            }

            Kept.Add(segment);
        }

        dropped?.Dispose();
    }

    /// <summary>Lets go of every kept array (a worker ending cleanly): those the caller has let go of too are removed.</summary>
    public static void Clear()
    {
        Segment[] dropped;
        lock (Gate)
        {
            dropped = [.. Kept];
            Kept.Clear();
        }

        foreach (Segment segment in dropped)
        {
            segment.Dispose();
        }
    }

    /// <summary>A kept segment for <paramref name="dataLength"/> bytes of <paramref name="typeName"/> that no other process uses any more.</summary>
    public static Segment? TakeUnused(string typeName, int elementSize, long dataLength)
    {
        lock (Gate)
        {
            Kept.RemoveAll(segment => segment.IsDisposing); // disposed by code that kept the array it returned
            for (int i = 0; i < Kept.Count; i++)
            {
                Segment segment = Kept[i];
                if (segment.TypeName == typeName && segment.ElementSize == elementSize && segment.DataLength == dataLength && segment.UsedOnlyHere())
                {
                    Kept.RemoveAt(i);
                    return segment;
                }
            }
        }

        return null;
    }
}
