using System.Runtime.Versioning;

namespace Spindle.Shared;

/// <summary>
/// The worker's side of the argument road: the caller's handoff segments, mapped once and kept for the calls after.
/// The caller reuses its segments (<see cref="SegmentCache"/>), so a steady stream of large arguments costs one
/// mapping, not one per call: mapping and unmapping 64 MiB costs a third of copying it.
/// </summary>
/// <remarks>
/// A kept mapping keeps its pages alive after the caller lets go of the segment, so the worker keeps at most
/// <see cref="MaxKept"/>, and drops one that the last <see cref="MaxIdleReads"/> large arguments did not use. A mapping
/// the running call reads is never dropped before the call ends: a <c>Memory</c> argument is a view over it, so a
/// call with more large arguments than <see cref="MaxKept"/> keeps them all until it ends (its
/// <see cref="SharedReferences.CallScope"/> lets go of them).
/// </remarks>
[SupportedOSPlatform("linux")]
internal static class HandoffMappings
{
    private const int MaxKept = 4;
    private const int MaxIdleReads = 8;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Kept> KeptMappings = new(StringComparer.Ordinal);
    private static long _reads;

    /// <summary>The mapping of the segment <paramref name="reference"/> names (see <see cref="ArrayHandoff.WriteReference"/>), held until the running call ends.</summary>
    public static Segment Get(string reference)
    {
        lock (Gate)
        {
            long read = ++_reads;
            if (!KeptMappings.TryGetValue(reference, out Kept? kept))
            {
                DropIdle(read);
                KeyValuePair<string, Kept>[] idle = KeptMappings.Count >= MaxKept ? KeptMappings.Where(entry => entry.Value.Calls == 0).ToArray() : [];
                if (idle.Length > 0)
                {
                    KeyValuePair<string, Kept> oldest = idle.MinBy(entry => entry.Value.LastRead);
                    KeptMappings.Remove(oldest.Key);
                    oldest.Value.Segment.Dispose();
                }

                kept = new Kept(ArrayHandoff.OpenAnonymous(reference));
                KeptMappings[reference] = kept;
            }

            kept.LastRead = read;
            DropIdle(read);

            // Once per call and segment: the call's scope gives it back when the call's result has been written.
            SharedReferences.HoldForCall(typeof(CallHold), reference, () =>
            {
                kept.Calls++;
                return new CallHold(kept);
            });
            return kept.Segment;
        }
    }

    private static void DropIdle(long read)
    {
        foreach ((string reference, Kept kept) in KeptMappings)
        {
            if (read - kept.LastRead > MaxIdleReads && kept.Calls == 0)
            {
                KeptMappings.Remove(reference);
                kept.Segment.Dispose();
            }
        }
    }

    private sealed class Kept(Segment segment)
    {
        public Segment Segment { get; } = segment;

        public long LastRead { get; set; }

        /// <summary>Running calls that read it: while any does, it is not dropped.</summary>
        public int Calls { get; set; }
    }

    /// <summary>One running call's hold on a kept mapping.</summary>
    private sealed class CallHold(Kept kept) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                kept.Calls--;
            }
        }
    }
}
