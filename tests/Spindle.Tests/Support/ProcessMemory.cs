using System.Globalization;

namespace Spindle.Tests.Support;

/// <summary>This process's resident memory as the kernel reports it, for tests that prove a flood stays bounded.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class ProcessMemory
{
    /// <summary>A size field of /proc/self/status (VmRSS, VmHWM), in bytes.</summary>
    public static long ResidentBytes(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Writing 5 to clear_refs resets the peak resident set size (VmHWM) to the current one.</summary>
    public static void ResetPeakResident() => File.WriteAllText("/proc/self/clear_refs", "5");
}
