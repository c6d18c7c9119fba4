using System.Diagnostics;

namespace Spindle.Lab.Running;

/// <summary>
/// Finds a working <c>perf</c> on the PATH for the context-switch cross-check, and says why when there is none. Debian
/// may install the real program as <c>perf_&lt;version&gt;</c> behind a <c>perf</c> wrapper that refuses to run when
/// no perf matches the running kernel; <c>perf bench sched pipe</c> needs no kernel-specific support, so a
/// <c>perf_*</c> next to it is tried too.
/// </summary>
internal sealed class PerfLocator
{
    /// <summary>What the report says when there is no perf, with the Debian package that brings it.</summary>
    public const string NotAvailable = "perf not available (apt-get install linux-perf)";

    private PerfLocator(string? path, string? version, string? missingReason)
    {
        Path = path;
        Version = version;
        MissingReason = missingReason;
    }

    /// <summary>The perf executable, or null.</summary>
    public string? Path { get; }

    /// <summary>"perf version 6.1.x", or null.</summary>
    public string? Version { get; }

    /// <summary>Why the cross-check is missing, or null when perf is usable.</summary>
    public string? MissingReason { get; }

    /// <summary>For runs without the context-switch experiment: perf is not looked for.</summary>
    public static PerfLocator Unused { get; } = new(null, null, "perf not used in this run");

    public static PerfLocator Find()
    {
        string[] directories = SearchPath.Directories();
        string[] candidates =
        [
            .. directories.Select(d => System.IO.Path.Combine(d, "perf")).Where(File.Exists),
            .. directories.Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "perf_*")).Order(StringComparer.Ordinal).Reverse(),
        ];
        string? failure = null;
        foreach (string candidate in candidates)
        {
            string? version = VersionOf(candidate, out string? why);
            if (version is not null)
            {
                return new PerfLocator(candidate, version, null);
            }

            failure ??= $"{candidate} version failed: {why}";
        }

        return new PerfLocator(null, null, failure is null ? NotAvailable : $"{NotAvailable}; {failure}");
    }

    private static string? VersionOf(string program, out string? why)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, "version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill();
                why = "no answer within 10 s";
                return null;
            }

            why = errors.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {process.ExitCode}";
            return process.ExitCode == 0 ? output.Result.Trim() : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            why = e.Message;
            return null;
        }
    }
}
