using System.Runtime.Versioning;

namespace Spindle.Shared;

/// <summary>
/// The worker's side of the argument road: the caller's handoff segments, mapped once and kept for the calls after.
/// The caller reuses its segments (<see cref="SegmentCache"/>), so a steady stream of large arguments costs one
/// mapping, not one per call: mapping and unmapping 64 MiB costs a third of copying it.
/// </summary>
/// <remarks>
/// A kept mapping keeps its pages alive after the caller lets go of the segment, so the worker keeps at most
/// <see cref="MaxKept"/>, and drops one that the last <see cref="MaxIdleReads"/> large arguments did not use.
/// </remarks>
[SupportedOSPlatform("linux")]
internal static class HandoffMappings
{
    private const int MaxKept = 4;
    private const int MaxIdleReads = 8;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, (Segment Segment, long LastRead)> Kept = new(StringComparer.Ordinal);
    private static long _reads;

    /// <summary>The mapping of the segment <paramref name="reference"/> names (see <see cref="ArrayHandoff.WriteReference"/>).</summary>
    public static Segment Get(string reference)
    {
        lock (Gate)
        {
            long read = ++_reads;
            if (Kept.TryGetValue(reference, out (Segment Segment, long LastRead) kept))
            {
                Kept[reference] = (kept.Segment, read);
                DropIdle(read);
                return kept.Segment;
            }

            DropIdle(read);
            if (Kept.Count >= MaxKept)
            {
                string oldest = Kept.MinBy(entry => entry.Value.LastRead).Key;
                Kept.Remove(oldest, out (Segment Segment, long LastRead) dropped);
                dropped.Segment.Dispose();
            }

            Segment segment = ArrayHandoff.OpenAnonymous(reference);
            Kept[reference] = (segment, read);
            return segment;
        }
    }

    private static void DropIdle(long read)
    {
        foreach ((string reference, (Segment segment, long lastRead)) in Kept)
        {
            if (read - lastRead > MaxIdleReads)
            {
                Kept.Remove(reference);
                segment.Dispose();
            }
        }
    }
}
