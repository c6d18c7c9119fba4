using System.Text.Json;
using Spindle.Bench.Harness;

namespace Spindle.Bench.Cluster.Setup;

/// <summary>
/// The Python peers (bench/peers/dask_peer.py, celery_peer.py) run by Debian's /usr/bin/python3 with Debian's
/// python3-distributed and python3-celery (scripts/ensure-python-peers). Each run prints one JSON line of samples.
/// </summary>
internal sealed class PythonPeers
{
    private const string Python = "/usr/bin/python3";

    private PythonPeers(string? daskProblem, string? celeryProblem, string? daskVersion)
    {
        DaskProblem = daskProblem;
        CeleryProblem = celeryProblem;
        DaskVersion = daskVersion;
    }

    /// <summary>Why Dask cannot run here, or null.</summary>
    public string? DaskProblem { get; }

    /// <summary>Why Celery cannot run here (before redis is looked at), or null.</summary>
    public string? CeleryProblem { get; }

    public string? DaskVersion { get; }

    public static async Task<PythonPeers> FindAsync()
    {
        if (!File.Exists(Python))
        {
            return new PythonPeers($"{Python} not found (scripts/ensure-python-peers): skipped", $"{Python} not found: skipped", null);
        }

        (int dask, string version, _) = await Launch.RunToExitAsync(Launch.Info(Python, ["-c", "import distributed; print(distributed.__version__)"]), TimeSpan.FromSeconds(60));
        (int celery, _, _) = await Launch.RunToExitAsync(Launch.Info(Python, ["-c", "import celery, redis"]), TimeSpan.FromSeconds(60));
        return new PythonPeers(
            dask == 0 ? null : "python3-distributed not installed (scripts/ensure-python-peers): skipped",
            celery == 0 ? null : "python3-celery or python3-redis not installed (scripts/ensure-python-peers): skipped",
            dask == 0 ? version.Trim() : null);
    }

    /// <summary>Runs one peer once and returns its samples; throws with the peer's error output if it failed.</summary>
    public static async Task<double[]> RunAsync(string script, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = Launch.Info(Python, [Path.Combine(RepoPaths.Root, "bench", "peers", script), .. args]);
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        (int code, string stdout, string stderr) = await Launch.RunToExitAsync(info, timeout);
        if (code != 0)
        {
            throw new InvalidOperationException($"{script} exited with code {code}: {(stderr.Length > 400 ? "..." + stderr[^400..] : stderr).Trim()}");
        }

        string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault()
            ?? throw new InvalidOperationException($"{script} printed nothing.");
        using var document = JsonDocument.Parse(line);
        return [.. document.RootElement.GetProperty("samples").EnumerateArray().Select(e => e.GetDouble())];
    }
}

/// <summary>Samples from several runs of one peer, interleaved with the bench's own reps; the first failure is kept as the reason.</summary>
internal sealed class PeerSamples(string? problem)
{
    private readonly List<double> _samples = [];

    public string? Problem { get; private set; } = problem;

    public Metric? Metric(Unit unit) => Problem is null && _samples.Count > 0 ? Harness.Metric.Of(_samples, unit) : null;

    public async Task RunOnceAsync(string script, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        if (Problem is not null)
        {
            return;
        }

        try
        {
            _samples.AddRange(await PythonPeers.RunAsync(script, timeout, environment, args));
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or JsonException or KeyNotFoundException or System.ComponentModel.Win32Exception)
        {
            Problem = e.Message;
        }
    }
}
