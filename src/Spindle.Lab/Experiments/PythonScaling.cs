using System.Diagnostics;
using System.Text.Json;
using Spindle.Lab.Running;

namespace Spindle.Lab.Experiments;

/// <summary>The scaling experiment in Python: the same kernel on threading threads and on multiprocessing processes.</summary>
internal static class PythonScaling
{
    private const string Script = """
        import json, sys, time, threading
        from multiprocessing import Pool

        MASK = (1 << 64) - 1

        def burn(n):
            x = 88172645463325252
            for _ in range(n):
                x ^= (x << 13) & MASK
                x ^= x >> 7
                x ^= (x << 17) & MASK
            return x

        def calibrate(target):
            probe = 200_000
            burn(probe)
            best = min(timed(lambda: burn(probe)) for _ in range(3))
            return int(probe * target / best)

        def timed(f):
            start = time.perf_counter(); f(); return time.perf_counter() - start

        def threads(k, work):
            ts = [threading.Thread(target=burn, args=(work // k,)) for _ in range(k)]
            start = time.perf_counter()
            for t in ts: t.start()
            for t in ts: t.join()
            return time.perf_counter() - start

        def main():
            mode, target, reps, counts = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), [int(c) for c in sys.argv[4].split(",")]
            work = calibrate(target)
            out = {}
            for k in counts:
                if mode == "thread":
                    threads(k, work // 50)
                    out[k] = [threads(k, work) for _ in range(reps)]
                else:
                    with Pool(k) as pool:
                        pool.map(burn, [1] * k)
                        out[k] = [timed(lambda: pool.map(burn, [work // k] * k, chunksize=1)) for _ in range(reps)]
            print(json.dumps({"version": sys.version.split()[0], "work": work, "seconds": out}))

        if __name__ == "__main__":
            main()
        """;

    /// <summary>Runs the script for one mode ("thread" or "process"); returns seconds per worker count.</summary>
    public static async Task<Dictionary<int, double[]>> RunAsync(ExperimentContext context, string mode, TimeSpan target, int repetitions, int[] counts)
    {
        string script = context.ScratchPath("scaling") + ".py";
        await File.WriteAllTextAsync(script, Script, context.CancellationToken);
        var info = new ProcessStartInfo(context.Python.Path!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { script, mode, target.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{repetitions}", string.Join(",", counts) })
        {
            info.ArgumentList.Add(argument);
        }

        using Process python = Process.Start(info)!;
        Task<string> output = python.StandardOutput.ReadToEndAsync(context.CancellationToken);
        Task<string> errors = python.StandardError.ReadToEndAsync(context.CancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        limit.CancelAfter(TimeSpan.FromSeconds(context.Scale.Pick(60, 240)));
        try
        {
            await python.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            python.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 scaling ({mode}) did not finish in time and was killed.");
        }

        if (python.ExitCode != 0)
        {
            throw new InvalidOperationException($"python3 scaling ({mode}) exited with {python.ExitCode}: {(await errors).Trim()}");
        }

        using JsonDocument document = JsonDocument.Parse(await output);
        return document.RootElement.GetProperty("seconds").EnumerateObject()
            .ToDictionary(p => int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture), p => p.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
    }
}
