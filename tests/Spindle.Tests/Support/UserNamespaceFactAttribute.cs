using System.Diagnostics;

namespace Spindle.Tests.Support;

/// <summary>
/// A test that needs an unprivileged user and mount namespace (<c>unshare -rm</c>) to mount a small tmpfs: skipped,
/// saying why, where the system does not allow one.
/// </summary>
public sealed class UserNamespaceFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Probe);

    public UserNamespaceFactAttribute()
    {
        if (Unavailable.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        try
        {
            var start = new ProcessStartInfo("unshare", ["-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /dev/shm"]) { UseShellExecute = false, RedirectStandardError = true };
            using Process probe = Process.Start(start)!;
            string error = probe.StandardError.ReadToEnd();
            return probe.WaitForExit(10_000) && probe.ExitCode == 0 ? null : $"unshare -rm cannot mount a tmpfs here: {error.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"unshare is not available: {e.Message}";
        }
    }
}
