using System.Globalization;
using System.Runtime.InteropServices;

namespace Spindle.AspNetCore.Status;

/// <summary>What Linux says about a process in <c>/proc</c>: CPU time used and resident memory. Null where there is no /proc.</summary>
internal static partial class ProcFs
{
    private const int ScClockTicks = 2;

    /// <summary>Clock ticks per second, the unit of <c>utime</c> and <c>stime</c> in <c>/proc/&lt;pid&gt;/stat</c>.</summary>
    public static readonly long TicksPerSecond = OperatingSystem.IsLinux() && sysconf(ScClockTicks) is > 0 and var ticks ? ticks : 100;

    /// <summary>User plus system CPU time of <paramref name="pid"/>, in clock ticks.</summary>
    public static long? CpuTicks(int pid)
    {
        string? stat = ReadOrNull($"/proc/{pid}/stat");
        if (stat is null)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces or ')': fields are counted after the last ')'.
        // After it come field 3 (state) onwards, so utime (14) and stime (15) are the 12th and 13th.
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return fields.Length > 12
            && long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long user)
            && long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long system)
            ? user + system
            : null;
    }

    /// <summary>Resident set size of <paramref name="pid"/> in bytes (<c>VmRSS</c> in <c>/proc/&lt;pid&gt;/status</c>).</summary>
    public static long? ResidentBytes(int pid)
    {
        string? status = ReadOrNull($"/proc/{pid}/status");
        if (status is null)
        {
            return null;
        }

        foreach (string line in status.Split('\n'))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                string kilobytes = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.TryParse(kilobytes, NumberStyles.None, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
            }
        }

        return null;
    }

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The process ended between listing and reading, or this is not Linux: no figure rather than a wrong one.
            return null;
        }
    }

    [LibraryImport("libc", SetLastError = false)]
    private static partial long sysconf(int name);
}
