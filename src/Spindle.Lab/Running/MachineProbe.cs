using System.Globalization;
using System.Runtime.InteropServices;
using Spindle.Lab.Model;
using Spindle.Lab.Os;

namespace Spindle.Lab.Running;

/// <summary>Describes the machine from /proc and <see cref="RuntimeInformation"/>; unknown parts say so.</summary>
internal static class MachineProbe
{
    public static MachineInfo Describe(ProcFs proc, string? python)
    {
        string cpu = proc.Line("cpuinfo", "model name") is { } model ? model.TrimStart(':', ' ', '\t') : "unknown (no /proc/cpuinfo)";
        long? memory = proc.Line("meminfo", "MemTotal:") is { } total
            && long.TryParse(total.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kib)
            ? kib * 1024
            : null;
        double? load = ReadFirstLine(Path.Combine(proc.Root, "loadavg")) is { } line
            && double.TryParse(line.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out double l) ? l : null;
        string kernel = ReadFirstLine(Path.Combine(proc.Root, "sys", "kernel", "osrelease")) ?? Environment.OSVersion.VersionString;
        return new MachineInfo(
            cpu,
            Environment.ProcessorCount,
            memory,
            kernel,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.ProcessArchitecture.ToString(),
            python,
            load);
    }

    private static string? ReadFirstLine(string path)
    {
        try
        {
            return File.ReadLines(path).FirstOrDefault()?.Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
