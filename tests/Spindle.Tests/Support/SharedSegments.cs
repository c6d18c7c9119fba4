using Spindle.Shared;

namespace Spindle.Tests.Support;

/// <summary>
/// The anonymous shared-memory files (handoff segments, result slots) a process holds open or maps, read from
/// <c>/proc</c>: they have no name in the shared-memory directory, and show as <c>/dev/shm/spindle-{uid}/#inode (deleted)</c>.
/// </summary>
internal static class SharedSegments
{
    /// <summary>The anonymous segment files <paramref name="pid"/> holds a descriptor of.</summary>
    public static string[] HeldBy(int pid) =>
        [.. Directory.GetFiles($"/proc/{pid}/fd").Select(Target).Where(InDirectory).Distinct()];

    /// <summary>The anonymous segment files <paramref name="pid"/> has mapped.</summary>
    public static string[] MappedBy(int pid) =>
        [.. File.ReadLines($"/proc/{pid}/maps").Select(line => line.IndexOf('/', StringComparison.Ordinal) is int at and >= 0 ? line[at..] : string.Empty).Where(InDirectory).Distinct()];

    /// <summary>The named objects in the shared-memory directory whose names carry <paramref name="pid"/> (<c>kind-pid-random</c>).</summary>
    public static string[] NamedFor(int pid) => Directory.GetFiles(SegmentDirectory.Path, $"*-{pid}-*");

    private static string Target(string link)
    {
        try
        {
            return new FileInfo(link).LinkTarget ?? string.Empty;
        }
        catch (IOException)
        {
            return string.Empty; // closed meanwhile
        }
    }

    private static bool InDirectory(string path) => path.StartsWith(SegmentDirectory.Path + "/#", StringComparison.Ordinal);
}
