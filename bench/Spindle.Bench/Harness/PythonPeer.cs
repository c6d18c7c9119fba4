using System.Text.Json;

namespace Spindle.Bench.Harness;

/// <summary>
/// Runs the Python peers in bench/peers (standard library only). Each prints one JSON line; the bench reads its
/// samples and summarizes them exactly as it summarizes its own. Without python3 every peer row says so.
/// </summary>
internal sealed class PythonPeer
{
    private readonly string? _python;
    private readonly string _peers;

    private PythonPeer(string? python, string? version, string peers)
    {
        _python = python;
        Version = version;
        _peers = peers;
    }

    public string? Version { get; }

    public bool Available => _python is not null;

    /// <summary>Debian's own Python, with Debian's python3-numpy (scripts/ensure-numpy), for the large-value rows; unavailable without numpy.</summary>
    public static async Task<PythonPeer> WithNumpyAsync(TimeSpan timeout)
    {
        string peers = Path.Combine(RepoPaths.Root, "bench", "peers");
        const string System = "/usr/bin/python3";
        if (!File.Exists(System))
        {
            return new PythonPeer(null, null, peers);
        }

        (int code, string stdout, string stderr) = await Launch.RunToExitAsync(Launch.Info(System, ["-c", "import sys, numpy; print(sys.version.split()[0], 'numpy', numpy.__version__)"]), timeout);
        return code == 0 ? new PythonPeer(System, "Python " + stdout.Trim(), peers) : new PythonPeer(null, null, peers);
    }

    public static async Task<PythonPeer> FindAsync(TimeSpan timeout)
    {
        string peers = Path.Combine(RepoPaths.Root, "bench", "peers");
        string? python = FindOnPath("python3");
        if (python is null)
        {
            return new PythonPeer(null, null, peers);
        }

        (int code, string stdout, string stderr) = await Launch.RunToExitAsync(Launch.Info(python, ["--version"]), timeout);
        string version = (stdout + stderr).Trim();
        return code == 0 ? new PythonPeer(python, version, peers) : new PythonPeer(null, null, peers);
    }

    /// <summary>A series of runs of <paramref name="script"/> whose <paramref name="field"/> samples are summarized together.</summary>
    public PeerSeries Series(string script, string field, Unit unit, TimeSpan timeout, params string[] args) =>
        new(this, script, field, unit, timeout, args);

    /// <summary>Runs a peer once (a fresh interpreter) and returns its JSON line.</summary>
    internal async Task<JsonElement> RunAsync(string script, TimeSpan timeout, string[] args)
    {
        if (_python is null)
        {
            throw new InvalidOperationException(Row.PythonMissing);
        }

        string path = Path.Combine(_peers, script);
        (int code, string stdout, string stderr) = await Launch.RunToExitAsync(Launch.Info(_python, [path, .. args]), timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"{script} exited with code {code}: {Tail(stderr)}");
        }

        string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{script} printed nothing.");
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    private static string Tail(string text) => text.Length <= 300 ? text.Trim() : "..." + text[^300..].Trim();

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
