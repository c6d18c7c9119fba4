namespace Spindle.Tests.Support;

/// <summary>Whether a process still runs, as the kernel sees it.</summary>
internal static class ProcessProbe
{
    /// <summary>
    /// A dead process whose parent has not reaped it yet (a zombie, state Z) counts as gone: it runs no code and
    /// holds no memory. Checking only that the pid exists would wait on the reaper instead of the process.
    /// </summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            char state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
