using System.Globalization;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// CPU time (user + system) of this bench and every process below it: the nats-server, the agents and their worker
/// processes. On a loaded machine wall-clock rates swing with the load; CPU per call says what the protocol costs.
/// </summary>
internal static class ProcessTreeCpu
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public static double Seconds() => ByProcess().Values.Sum();

    /// <summary>CPU seconds of each process of the tree, by "name pid" (the name from /proc/PID/comm, e.g. "nats-server").</summary>
    public static Dictionary<string, double> ByProcess()
    {
        var parents = new Dictionary<int, int>();
        var cpu = new Dictionary<int, double>();
        var names = new Dictionary<int, string>();
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                string stat = File.ReadAllText(Path.Combine(directory, "stat"));
                names[pid] = stat[(stat.IndexOf('(') + 1)..stat.LastIndexOf(')')];

                // The command name may hold spaces: the fields start after its closing parenthesis.
                string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], CultureInfo.InvariantCulture);
                cpu[pid] = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // Gone meanwhile.
            }
        }

        int self = Environment.ProcessId;
        var tree = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((int pid, double seconds) in cpu)
        {
            for (int p = pid, depth = 0; p > 1 && depth < 64; depth++)
            {
                if (p == self)
                {
                    tree[$"{names[pid]} {pid}"] = seconds;
                    break;
                }

                if (!parents.TryGetValue(p, out p))
                {
                    break;
                }
            }
        }

        return tree;
    }

    /// <summary>What each process spent between two readings, largest first, as "name: N µs per unit".</summary>
    public static string Describe(Dictionary<string, double> before, Dictionary<string, double> after, int units) =>
        string.Join(", ", after
            .Select(p => (Name: p.Key, Seconds: p.Value - before.GetValueOrDefault(p.Key)))
            .Where(p => p.Seconds > 0)
            .OrderByDescending(p => p.Seconds)
            .Select(p => $"{p.Name}: {p.Seconds / units * 1e6:0}"));
}
