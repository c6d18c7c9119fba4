using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Spindle.Interop;

/// <summary>
/// The one check behind every Linux-only entry point (processes, IPC, shared memory, cross-process sync): they use
/// posix_spawn, pidfds, futexes and /dev/shm, so on other systems they fail at the first call with a message that
/// names what needs Linux and what to use instead.
/// </summary>
internal static class LinuxOnly
{
    /// <summary>What a pool uses instead of worker processes.</summary>
    public const string ThreadIsolationInstead = "use Isolation.Thread on other systems";

    /// <summary>What takes the place of shared memory and cross-process synchronization.</summary>
    public const string SharedObjectsInstead =
        "on other systems use Isolation.Thread or WorkerThread, which share ordinary .NET objects, locks and semaphores";

    /// <summary>What takes the place of connections between processes.</summary>
    public const string ConnectionsInstead =
        "on other systems use Isolation.Thread or WorkerThread and pass data through System.Threading.Channels";

    /// <summary>Whether this system runs the Linux-only features; a guard the platform analyzer understands.</summary>
    [SupportedOSPlatformGuard("linux")]
    public static bool IsSupported => OperatingSystem.IsLinux();

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> unless this is Linux.</summary>
    /// <param name="what">The feature that needs Linux, as the user names it (<c>"Isolation.Process"</c>).</param>
    /// <param name="instead">What works on other systems, as a clause (<c>"use Isolation.Thread on other systems"</c>).</param>
    public static void Require(string what, string instead)
    {
        if (!IsSupported)
        {
            throw NotSupported(what, instead);
        }
    }

    /// <summary>The exception <see cref="Require"/> throws, for callers that must also satisfy the platform analyzer.</summary>
    public static PlatformNotSupportedException NotSupported(string what, string instead) =>
        new(Message(what, instead, RuntimeInformation.OSDescription));

    /// <summary>The message for <paramref name="what"/> on the system described by <paramref name="system"/>.</summary>
    internal static string Message(string what, string instead, string system) =>
        $"{what} needs Linux (x64 or arm64, kernel 5.4 or later); this system is {system}. {Capitalize(instead)}.";

    private static string Capitalize(string clause) =>
        clause.Length == 0 ? clause : char.ToUpperInvariant(clause[0]) + clause[1..];
}
