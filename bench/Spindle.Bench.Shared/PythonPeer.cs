using System.Diagnostics;
using System.Text.Json;

namespace Spindle.Bench.Shared;

/// <summary>Runs bench/peers/shared_memory_peer.py (standard library only), which prints one JSON line per run.</summary>
internal sealed class PythonPeer
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private PythonPeer(string? version, string script)
    {
        Version = version;
        Script = script;
    }

    public string? Version { get; }

    public bool Available => Version is not null;

    private string Script { get; }

    public static async Task<PythonPeer> FindAsync()
    {
        string script = Path.Combine(RepoRoot(), "bench", "peers", "shared_memory_peer.py");
        try
        {
            (int code, string output) = await RunAsync("--version");
            return new PythonPeer(code == 0 && File.Exists(script) ? output.Trim() : null, script);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new PythonPeer(null, script);
        }
    }

    /// <summary>Runs the peer with <paramref name="arguments"/> and returns the named number from its JSON line.</summary>
    public async Task<double> MeasureAsync(string field, params string[] arguments)
    {
        (int code, string output) = await RunAsync([Script, .. arguments]);
        if (code != 0)
        {
            throw new InvalidOperationException($"shared_memory_peer.py {string.Join(' ', arguments)} exited with {code}: {output}");
        }

        string line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty(field).GetDouble();
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 {string.Join(' ', arguments)} ran longer than {Timeout.TotalSeconds} s.");
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string RepoRoot()
    {
        for (string? directory = AppContext.BaseDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "Spindle.slnx")))
            {
                return directory;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}
