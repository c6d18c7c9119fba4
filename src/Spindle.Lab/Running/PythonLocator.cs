using System.Diagnostics;

namespace Spindle.Lab.Running;

/// <summary>Finds python3 on the PATH (unless the run says not to) and says why when it cannot.</summary>
internal sealed class PythonLocator
{
    private PythonLocator(string? path, string? version, string? missingReason)
    {
        Path = path;
        Version = version;
        MissingReason = missingReason;
    }

    /// <summary>The python3 executable, or null.</summary>
    public string? Path { get; }

    /// <summary>"Python 3.x.y", or null.</summary>
    public string? Version { get; }

    /// <summary>Why Python rows are missing, or null when python3 is usable.</summary>
    public string? MissingReason { get; }

    public static PythonLocator Find(bool disabled)
    {
        if (disabled)
        {
            return new PythonLocator(null, null, "python3 not used: --no-python was given");
        }

        string? found = SearchPath.Find("python3");
        if (found is null)
        {
            return new PythonLocator(null, null, "python3 not found on the PATH");
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(found, "--version") { RedirectStandardOutput = true, UseShellExecute = false })!;
            string version = process.StandardOutput.ReadToEnd().Trim();
            return process.WaitForExit(10_000) && process.ExitCode == 0
                ? new PythonLocator(found, version, null)
                : new PythonLocator(null, null, $"{found} --version did not succeed");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return new PythonLocator(null, null, $"{found} could not be started: {e.Message}");
        }
    }
}
