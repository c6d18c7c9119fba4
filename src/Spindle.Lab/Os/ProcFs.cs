using System.Globalization;
using Spindle.Interop;

namespace Spindle.Lab.Os;

/// <summary>
/// Reads the kernel's per-process counters under /proc. The root can be moved (<see cref="RootVariable"/>) so a run can
/// be made to look like a machine without /proc: every reader then returns null and the lab marks the part missing.
/// </summary>
internal sealed class ProcFs
{
    /// <summary>The environment variable that moves the /proc root (a test hook).</summary>
    public const string RootVariable = "SPINDLE_LAB_PROC_ROOT";

    public ProcFs(string root) => Root = root;

    public string Root { get; }

    /// <summary>The /proc of this machine, or the one <see cref="RootVariable"/> names.</summary>
    public static ProcFs FromEnvironment() =>
        new(Environment.GetEnvironmentVariable(RootVariable) is { Length: > 0 } root ? root : "/proc");

    /// <summary>Whether per-process counters can be read at all.</summary>
    public bool Available => File.Exists(Path.Combine(Root, "self", "status"));

    /// <summary>Why counters are missing, for the report.</summary>
    public string MissingReason => $"{Path.Combine(Root, "self", "status")} cannot be read (no /proc counters on this machine)";

    /// <summary>Resident set size of <paramref name="pid"/> in KiB (VmRSS), or null.</summary>
    public long? RssKiB(int pid) => StatusField($"{pid}", "VmRSS:");

    /// <summary>Proportional set size of <paramref name="pid"/> in KiB (smaps_rollup), or null.</summary>
    public long? PssKiB(int pid) => Field(Path.Combine(Root, $"{pid}", "smaps_rollup"), "Pss:");

    /// <summary>Voluntary context switches of one thread (<c>/proc/pid/task/tid/status</c>), or null.</summary>
    public long? VoluntarySwitches(int pid, int tid) => StatusField(Path.Combine($"{pid}", "task", $"{tid}"), "voluntary_ctxt_switches:");

    /// <summary>Involuntary (preempted) context switches of one thread, or null.</summary>
    public long? InvoluntarySwitches(int pid, int tid) => StatusField(Path.Combine($"{pid}", "task", $"{tid}"), "nonvoluntary_ctxt_switches:");

    /// <summary>Voluntary and involuntary switches of the calling thread so far; -1 each when unreadable.</summary>
    public long[] SwitchesOfThisThread()
    {
        int tid = LabNative.ThreadId();
        return [VoluntarySwitches(Environment.ProcessId, tid) ?? -1, InvoluntarySwitches(Environment.ProcessId, tid) ?? -1];
    }

    /// <summary>The kernel thread ids of this process's threads (<c>/proc/pid/task</c>), or empty when they cannot be listed.</summary>
    public IReadOnlySet<int> ThreadIdsOfThisProcess()
    {
        try
        {
            return Directory.EnumerateDirectories(Path.Combine(Root, $"{Environment.ProcessId}", "task"))
                .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.Integer, CultureInfo.InvariantCulture, out int tid) ? tid : -1)
                .Where(tid => tid > 0)
                .ToHashSet();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new HashSet<int>();
        }
    }

    /// <summary>Whether thread <paramref name="tid"/> of this process is asleep in the kernel (state S); false when unreadable.</summary>
    public bool IsSleeping(int tid) => Line(Path.Combine($"{Environment.ProcessId}", "task", $"{tid}", "status"), "State:") is ['S', ..];

    /// <summary>The first line of a /proc file starting with <paramref name="prefix"/>, without the prefix, or null.</summary>
    public string? Line(string relativePath, string prefix)
    {
        string path = Path.Combine(Root, relativePath);
        try
        {
            foreach (string line in File.ReadLines(path))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line[prefix.Length..].Trim();
                }
            }
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        return null;
    }

    private long? StatusField(string directory, string name) => Field(Path.Combine(Root, directory, "status"), name);

    private long? Field(string path, string name)
    {
        string? value = Line(Path.GetRelativePath(Root, path), name);
        if (value is null)
        {
            return null;
        }

        string number = value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return long.TryParse(number, NumberStyles.Integer, CultureInfo.InvariantCulture, out long result) ? result : null;
    }
}
