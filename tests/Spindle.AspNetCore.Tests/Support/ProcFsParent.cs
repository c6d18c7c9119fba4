namespace Spindle.AspNetCore.Tests.Support;

/// <summary>The parent pid of a process, from <c>/proc/&lt;pid&gt;/stat</c>: proof that a pid is a child of this test.</summary>
internal static class ProcFsParent
{
    public static int Of(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid}/stat");

        // Fields after the command name (which may hold spaces): state, then ppid.
        return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }
}
