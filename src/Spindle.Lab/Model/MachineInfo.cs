namespace Spindle.Lab.Model;

/// <summary>The machine the lab ran on.</summary>
/// <param name="CpuModel">The CPU model name from /proc/cpuinfo.</param>
/// <param name="Cores">Logical processors available to this process.</param>
/// <param name="MemoryBytes">Total memory from /proc/meminfo, or null when unknown.</param>
/// <param name="Kernel">The kernel release.</param>
/// <param name="OperatingSystem">The OS description.</param>
/// <param name="DotNet">The .NET runtime description.</param>
/// <param name="Architecture">The process architecture.</param>
/// <param name="Python">The python3 version, or null when python3 was not used.</param>
/// <param name="LoadAverage">The 1-minute load average when the run started (/proc/loadavg), or null when unknown.</param>
/// <param name="BusyCores">How many cores other programs kept busy just before the run (from /proc/stat over a short
/// sample), or null when unknown: a busy machine makes every figure noisier. Unlike the load average it does not
/// remember the build that may have just finished.</param>
public sealed record MachineInfo(
    string CpuModel, int Cores, long? MemoryBytes, string Kernel, string OperatingSystem, string DotNet, string Architecture, string? Python, double? LoadAverage, double? BusyCores = null);
