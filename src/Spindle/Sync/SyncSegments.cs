using System.Runtime.Versioning;
using Spindle.Interop;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>Creates and opens the segments synchronization objects live in: a change counter, a waiter count and their state.</summary>
[SupportedOSPlatform("linux")]
internal static class SyncSegments
{
    private const int CommonWords = 8;

    public static Segment Create(string? name, SharedObjectKind kind, string typeName, int stateBytes)
    {
        LinuxOnly.Require(Segment.Describe(kind, string.Empty), LinuxOnly.SharedObjectsInstead);

        if (name is not null)
        {
            SegmentDirectory.Validate(name, nameof(name));
        }

        if (!Futex.IsSupported)
        {
            throw new PlatformNotSupportedException($"Shared synchronization objects need Linux futexes (x64 or arm64); this is {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        }

        return Segment.Create(name ?? SegmentDirectory.NewName(kind), kind, typeName, elementSize: 0, CommonWords + stateBytes);
    }

    public static Segment Open(string name, SharedObjectKind kind, string typeName) =>
        Segment.Open(name, kind, typeName, elementSize: 0, nameof(name));
}
