using Spindle.Bench.Harness;
using Spindle.Bench.Ipc.Echo;

namespace Spindle.Bench.Ipc;

/// <summary>
/// Round trips from 64 B to 16 MiB through each mechanism, against the raw Unix-socket ping-pong measured in the
/// same rounds, and against Python's multiprocessing.Pipe and Queue doing the same echo.
/// </summary>
internal static class Latency
{
    private static readonly string[] Mechanisms = ["raw", "pipe", "queue", "uds", "tcp"];

    public static async Task<List<Row>> RunAsync(IpcSettings settings, Where where, int[] sizes, PythonFigures? pipePeer, PythonFigures? queuePeer)
    {
        var echoes = new Dictionary<string, IEcho>();
        try
        {
            int max = sizes.Max();
            echoes["raw"] = await RawSocketEcho.StartAsync(where);
            echoes["pipe"] = await ConnectionEcho.PipeAsync(where, max);
            echoes["queue"] = await QueueEcho.StartAsync(where, max, capacity: 4);
            if (where == Where.Process)
            {
                echoes["uds"] = await ConnectionEcho.SocketAsync(where, "unix:" + Path.Combine(Path.GetTempPath(), $"spindle-ipc-bench-{Guid.NewGuid():N}.sock"), max);
                echoes["tcp"] = await ConnectionEcho.SocketAsync(where, "tcp:127.0.0.1:0", max);
            }

            var rows = new List<Row>();
            foreach (int size in sizes)
            {
                Dictionary<string, List<double>> samples = Measure(settings, echoes, size);
                rows.AddRange(RowsFor(where, size, samples, pipePeer, queuePeer));
            }

            return rows;
        }
        finally
        {
            foreach (IEcho echo in echoes.Values)
            {
                await echo.DisposeAsync();
            }
        }
    }

    private static Dictionary<string, List<double>> Measure(IpcSettings settings, Dictionary<string, IEcho> echoes, int size)
    {
        int perRound = Math.Max(1, settings.RoundTrips(size) / settings.Rounds);
        var samples = echoes.Keys.ToDictionary(k => k, _ => new List<double>());
        foreach (IEcho echo in echoes.Values)
        {
            Timing.RoundTrips(echo, size, Math.Min(perRound, 200), samples: null); // warm: JIT tiers, buffers, pages
        }

        for (int round = 0; round < settings.Rounds; round++)
        {
            foreach (string name in Mechanisms.Where(echoes.ContainsKey))
            {
                Timing.RoundTrips(echoes[name], size, perRound, samples[name]);
            }
        }

        return samples;
    }

    private static IEnumerable<Row> RowsFor(Where where, int size, Dictionary<string, List<double>> samples, PythonFigures? pipePeer, PythonFigures? queuePeer)
    {
        string between = where == Where.Process ? "2 processes" : "2 threads";
        string at = IpcSettings.Size(size);
        string id = (where == Where.Process ? "P" : "T") + at.Replace(" ", "", StringComparison.Ordinal);
        Metric raw = Metric.Of(samples["raw"], Unit.Microseconds);
        string rawName = $"raw UDS ping-pong, {between} ({samples["raw"].Count:N0})";
        Goal goal = size == IpcSettings.Small ? Goal.AtMostTimes(1.5) : Goal.ReportOnly;
        Metric pipe = Metric.Of(samples["pipe"], Unit.Microseconds);
        Metric queue = Metric.Of(samples["queue"], Unit.Microseconds);
        yield return new Row(id + "-pipe", $"Pipe round trip {at}, {between}", rawName, goal) { Spindle = pipe, Baseline = raw };
        // Large messages: one copy into a slot and one out per hop, against the socket's two copies that overlap.
        Goal queueGoal = where == Where.Process && size >= 1 << 20 ? Goal.AtMostTimes(1.0) : goal;
        yield return new Row(id + "-queue", $"MessageQueue round trip {at} (2 queues), {between}", rawName, queueGoal) { Spindle = queue, Baseline = raw };
        if (samples.TryGetValue("uds", out List<double>? uds))
        {
            yield return new Row(id + "-uds", $"Listener/Client round trip {at}, Unix socket", rawName, Goal.ReportOnly) { Spindle = Metric.Of(uds, Unit.Microseconds), Baseline = raw };
            yield return new Row(id + "-tcp", $"Listener/Client round trip {at}, TCP loopback", rawName, Goal.ReportOnly) { Spindle = Metric.Of(samples["tcp"], Unit.Microseconds), Baseline = raw };
        }

        if (pipePeer is not null && queuePeer is not null)
        {
            yield return pipePeer.Versus(id + "-pypipe", $"Pipe round trip {at}, {between}", pipe, $"rt_{size}", Unit.Microseconds, Goal.ReportOnly);
            yield return queuePeer.Versus(id + "-pyqueue", $"MessageQueue round trip {at}, {between}", queue, $"rt_{size}", Unit.Microseconds, Goal.ReportOnly);
        }
    }
}
