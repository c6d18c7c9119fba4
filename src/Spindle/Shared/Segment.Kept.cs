using System.Runtime.Versioning;
using Spindle.Interop;

namespace Spindle.Shared;

/// <summary>
/// Mappings kept after a use ends, for large values that come back again and again under the same name: a worker's
/// view over a caller's <see cref="SharedArray{T}"/> (one call's use each time), the caller's adoption of the arrays a
/// worker hands over and reuses. Mapping 64 MiB (and unmapping it) costs about half a copy of it, so each use after the
/// first takes the kept mapping back instead, registering as a user again: the user table and the last user's unlink
/// work as if it were a fresh open. A kept mapping whose object was unlinked meanwhile (the header's flag says so,
/// through the mapping itself) is dropped, never reused. At most <see cref="MaxKeptMappings"/> are kept, the oldest
/// unmapped first; a kept mapping holds its pages even after its object is removed, until then.
/// </summary>
internal sealed unsafe partial class Segment
{
    private const int MaxKeptMappings = 4;

    private static readonly Lock KeptGate = new();
    private static readonly List<(string Name, nint Mapped, long Length)> Kept = [];

    /// <summary>Whether the mapping outlives this object's use, for the next open of the same name (see the class remarks).</summary>
    private bool _keepMapping;

    /// <summary>Opens a named object, taking back a kept mapping of it if there is one; the mapping is kept again when this use ends.</summary>
    [SupportedOSPlatform("linux")]
    public static Segment OpenKeepingMapping(string name, SharedObjectKind kind, string typeName, int elementSize, bool adopt)
    {
        if (TakeKept(name) is var (mapped, length))
        {
            string path = SegmentDirectory.FileFor(name, nameof(name));
            bool registered;
            try
            {
                CheckHeader((byte*)mapped, name, path, kind, typeName, elementSize);
                registered = adopt ? Adopt((byte*)mapped, name) : Register((byte*)mapped);
            }
            catch
            {
                SegmentNative.Unmap((byte*)mapped, length);
                throw;
            }

            if (registered)
            {
                return new Segment(name, path, kind, typeName, elementSize, (byte*)mapped, length) { _keepMapping = true };
            }

            // Unlinked since: the name may now be another object's.
            SegmentNative.Unmap((byte*)mapped, length);
        }

        Segment segment = Open(name, kind, typeName, elementSize, adopt: adopt);
        segment._keepMapping = true;
        return segment;
    }

    /// <summary>Keeps a mapping whose use just ended (the object still exists); false if it should be unmapped now.</summary>
    private static bool Keep(string name, byte* mapped, long length)
    {
        (string Name, nint Mapped, long Length)? dropped = null;
        lock (KeptGate)
        {
            if (Kept.Count >= MaxKeptMappings)
            {
                dropped = Kept[0];
                Kept.RemoveAt(0);
            }

            Kept.Add((name, (nint)mapped, length));
        }

        if (dropped is { } old)
        {
            SegmentNative.Unmap((byte*)old.Mapped, old.Length);
        }

        return true;
    }

    private static (nint Mapped, long Length)? TakeKept(string name)
    {
        lock (KeptGate)
        {
            int index = Kept.FindIndex(k => k.Name == name);
            if (index < 0)
            {
                return null;
            }

            (string _, nint mapped, long length) = Kept[index];
            Kept.RemoveAt(index);
            return (mapped, length);
        }
    }

    /// <summary>Unmaps every kept mapping (a worker ending cleanly).</summary>
    public static void DropKeptMappings()
    {
        (string Name, nint Mapped, long Length)[] dropped;
        lock (KeptGate)
        {
            dropped = [.. Kept];
            Kept.Clear();
        }

        foreach ((string _, nint mapped, long length) in dropped)
        {
            SegmentNative.Unmap((byte*)mapped, length);
        }
    }
}
