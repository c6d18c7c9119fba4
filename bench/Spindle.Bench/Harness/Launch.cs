using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using Spindle.Interop;

namespace Spindle.Bench.Harness;

/// <summary>Starting the other processes a run needs: the bench itself (as a baseline's far end), the hello world, peers.</summary>
internal static class Launch
{
    private static readonly Lazy<string> DotnetHost = new(FindDotnet);

    /// <summary>This bench again with <paramref name="args"/>, however it was started (apphost or <c>dotnet Spindle.Bench.dll</c>).</summary>
    public static ProcessStartInfo Self(params string[] args)
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("The bench's own executable path is unknown.");
        ProcessStartInfo info = Path.GetFileNameWithoutExtension(self) == "dotnet"
            ? Info(self, ["exec", Assembly.GetEntryAssembly()!.Location, .. args])
            : Info(self, args);
        return info;
    }

    /// <summary>
    /// The bare hello world, started as Spindle starts its workers: the <c>dotnet</c> host with <c>exec</c> and a dll.
    /// </summary>
    public static ProcessStartInfo HelloWorld(params string[] args) =>
        Info(DotnetHost.Value, ["exec", Path.Combine(AppContext.BaseDirectory, "HelloWorld.dll"), .. args]);

    public static ProcessStartInfo Info(string fileName, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Runs a process to its end and returns its output; past <paramref name="timeout"/> it is killed and this throws.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunToExitAsync(ProcessStartInfo info, TimeSpan timeout)
    {
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Describe(info)} did not finish within {timeout.TotalSeconds:0} s and was killed.");
        }

        return (process.ExitCode, await stdout.WaitAsync(timeout), await stderr.WaitAsync(timeout));
    }

    public static string Describe(ProcessStartInfo info) => $"{info.FileName} {string.Join(' ', info.ArgumentList)}";

    private static string FindDotnet()
    {
        // The same search Spindle makes for its workers: the running host, the SDK's hint, then the runtime's root.
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            return self;
        }

        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } hint && File.Exists(hint))
        {
            return hint;
        }

        string root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        string candidate = Path.Combine(root, OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet");
        return File.Exists(candidate) ? candidate : "dotnet";
    }
}
