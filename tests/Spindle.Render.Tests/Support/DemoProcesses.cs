using System.Globalization;
using System.Text.RegularExpressions;

namespace Spindle.Render.Tests.Support;

/// <summary>What <c>spindle cluster demo</c> says it started, and the processes of this machine that came from it.</summary>
internal static partial class DemoProcesses
{
    /// <summary>The pids of the server and agents the demo printed.</summary>
    public static int[] Announced(IEnumerable<string> output) =>
        output.Select(line => StartedPid().Match(line)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The demo's temporary directory, from the line naming its JetStream store.</summary>
    public static string Directory(IEnumerable<string> output) =>
        output.Select(line => StoreDirectory().Match(line)).Single(m => m.Success).Groups[1].Value;

    /// <summary>Every process whose command line names <paramref name="directory"/> (the agents' workers run from build caches inside it).</summary>
    public static int[] StartedFrom(string directory) =>
        System.IO.Directory.GetDirectories("/proc").Select(Path.GetFileName).Where(name => int.TryParse(name, out _)).Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => CommandLine(pid).Contains(directory, StringComparison.Ordinal)).ToArray();

    /// <summary>A process's command line, its arguments joined by spaces; empty once it is gone.</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    [GeneratedRegex(@"^\[demo\] \S+ \(pid (\d+)\) (listens|started)")]
    private static partial Regex StartedPid();

    [GeneratedRegex(@"JetStream store in (\S+)/store")]
    private static partial Regex StoreDirectory();
}
