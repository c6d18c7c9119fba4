using System.Globalization;
using System.Runtime.InteropServices;

namespace Spindle.Bench.Harness;

/// <summary>The machine the figures belong to, read from /proc so a table can never be moved to another machine silently.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Memory, string Os, string Kernel, string Dotnet, string Python)
{
    public static MachineInfo Read(string? pythonVersion) => new(
        Cpu: FirstValue("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Cores: Environment.ProcessorCount,
        Memory: MemTotal(),
        Os: OsName(),
        Kernel: ReadTrimmed("/proc/sys/kernel/osrelease") ?? RuntimeInformation.OSDescription,
        Dotnet: RuntimeInformation.FrameworkDescription,
        Python: pythonVersion ?? "not found");

    public IEnumerable<(string Name, string Value)> Lines()
    {
        yield return ("CPU", Cpu);
        yield return ("Cores", Cores.ToString(CultureInfo.InvariantCulture));
        yield return ("RAM", Memory);
        yield return ("OS", Os);
        yield return ("Kernel", Kernel);
        yield return (".NET", Dotnet);
        yield return ("Python", Python);
    }

    private static string MemTotal()
    {
        // "MemTotal:       24684212 kB"
        string? value = FirstValue("/proc/meminfo", "MemTotal");
        string? kb = value?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        return kb is not null && long.TryParse(kb, CultureInfo.InvariantCulture, out long k)
            ? $"{k / 1024.0 / 1024.0:0.0} GiB"
            : "unknown";
    }

    private static string OsName()
    {
        string? pretty = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            : null;
        return pretty?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
    }

    private static string? FirstValue(string file, string key)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        foreach (string line in File.ReadLines(file))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == key)
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    private static string? ReadTrimmed(string file) => File.Exists(file) ? File.ReadAllText(file).Trim() : null;
}
