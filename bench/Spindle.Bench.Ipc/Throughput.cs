using Spindle.Bench.Harness;
using Spindle.Bench.Ipc.Echo;

namespace Spindle.Bench.Ipc;

/// <summary>One-way messages per second between two processes, acknowledged once per burst, against Python doing the same.</summary>
internal static class Throughput
{
    public static async Task<List<Row>> RunAsync(IpcSettings settings, int[] sizes, PythonFigures pipePeer, PythonFigures queuePeer)
    {
        var rows = new List<Row>();
        foreach (int size in sizes)
        {
            int count = settings.BurstMessages(size);
            string at = IpcSettings.Size(size);
            string id = "X" + at.Replace(" ", "", StringComparison.Ordinal);
            await using IEcho queue = await QueueEcho.StartAsync(Where.Process, size, capacity: size <= 4096 ? 1024 : 8);
            await using IEcho pipe = await ConnectionEcho.PipeAsync(Where.Process, size);
            await using IEcho socket = await ConnectionEcho.SocketAsync(Where.Process, "tcp:127.0.0.1:0", size);
            await using IEcho unix = await ConnectionEcho.SocketAsync(Where.Process, "unix:" + Path.Combine(Path.GetTempPath(), $"spindle-ipc-bench-{Guid.NewGuid():N}.sock"), size);
            var rates = new Dictionary<IEcho, List<double>> { [queue] = [], [pipe] = [], [socket] = [], [unix] = [] };
            foreach (IEcho echo in rates.Keys)
            {
                Timing.Burst(echo, size, Math.Max(1, count / 10)); // warm
            }

            for (int round = 0; round < settings.Rounds; round++)
            {
                foreach ((IEcho echo, List<double> samples) in rates)
                {
                    samples.Add(Timing.Burst(echo, size, count));
                }
            }

            string what = $"{count:N0} × {at} one way, 2 processes";
            rows.Add(queuePeer.Versus(id + "-queue", $"MessageQueue messages/s, {what}", Metric.Of(rates[queue], Unit.ItemsPerSecond), $"tp_{size}", Unit.ItemsPerSecond,
                size == IpcSettings.Small ? Goal.AtLeastFaster(10) : Goal.ReportOnly));
            // Connections at least match Python's multiprocessing.Pipe (a Unix socket pair) at every size.
            Goal asPython = Goal.AtLeastFaster(1.0);
            rows.Add(pipePeer.Versus(id + "-pipe", $"Pipe messages/s, {what}", Metric.Of(rates[pipe], Unit.ItemsPerSecond), $"tp_{size}", Unit.ItemsPerSecond, asPython));
            rows.Add(pipePeer.Versus(id + "-uds", $"Listener/Client (Unix socket) messages/s, {what}", Metric.Of(rates[unix], Unit.ItemsPerSecond), $"tp_{size}", Unit.ItemsPerSecond, asPython));
            rows.Add(pipePeer.Versus(id + "-tcp", $"Listener/Client (TCP) messages/s, {what}", Metric.Of(rates[socket], Unit.ItemsPerSecond), $"tp_{size}", Unit.ItemsPerSecond, asPython));
        }

        return rows;
    }
}
