using System.Diagnostics;
using Spindle.Lab.Experiments.Channels;
using Spindle.Lab.Model;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Experiments;

/// <summary>Communication: a hand-off between threads through shared memory against each IPC mechanism between processes, by message size.</summary>
internal sealed class CommunicationExperiment : IExperiment
{
    /// <summary>The rows, one per mechanism and side; rows for more mechanisms are added here.</summary>
    public static IReadOnlyList<IChannelRow> Rows { get; } =
    [
        new RawChannelRow("shm", Subject.Thread),
        new RawChannelRow("shm", Subject.Process),
        new RawChannelRow("pipe", Subject.Thread),
        new RawChannelRow("pipe", Subject.Process),
        new RawChannelRow("socket", Subject.Thread),
        new RawChannelRow("socket", Subject.Process),
        new RawChannelRow("mq", Subject.Thread),
        new RawChannelRow("mq", Subject.Process),
        new SpindleIpcRow("pipe", Subject.Process),
        new SpindleIpcRow("listener", Subject.Process),
        new SpindleIpcRow("queue", Subject.Process),
        new SpindleIpcRow("sharedarray", Subject.Process),
        new SpindlePoolRow(Isolation.Thread),
        new SpindlePoolRow(Isolation.Process),
    ];

    public string Name => "communication";

    public string Title => "Communication: latency and bandwidth by message size";

    public static int[] Sizes(LabScale scale) => scale.Pick<int[]>([64, 64 << 10, 1 << 20], [64, 4 << 10, 64 << 10, 1 << 20, 16 << 20]);

    public string Method(LabScale scale) =>
        $"An echo peer on another thread or in another process (a warm pool worker); message sizes {string.Join(", ", Sizes(scale).Select(Bytes))}. " +
        $"A sample is the mean of n round trips (n = {Budget(scale) >> 20} MiB / size, between 2 and {Cap(scale)}), {scale.Repetitions} samples per size after a warm-up. " +
        "Latency is half a round trip; bandwidth is size / latency (each direction carries the message once). Every message is copied in and " +
        "out by both sides, also for the shared-memory rows, so the rows compare transports, not zero-copy tricks. Spindle's pool echoes a byte[] " +
        "(copied to a worker process and back; handed by reference to a worker thread).";

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        int[] sizes = Sizes(context.Scale);
        await using var peers = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        await peers.WarmUpAsync(context.CancellationToken);
        for (int r = 0; r < Rows.Count; r++)
        {
            IChannelRow row = Rows[r];
            context.Report(r / (double)Rows.Count, row.Series);
            if (row.MissingReason is { } reason)
            {
                result.Missing.Add(new MissingPart(row.Series, reason));
                continue;
            }

            try
            {
                await MeasureRowAsync(row, sizes, context, peers, result);
            }
            catch (Exception e) when (e is not OperationCanceledException || !context.CancellationToken.IsCancellationRequested)
            {
                result.Missing.Add(new MissingPart(row.Series, $"failed: {e.GetType().Name}: {e.Message}"));
            }
        }

        context.Report(1, "done");
    }

    private static async Task MeasureRowAsync(IChannelRow row, int[] sizes, ExperimentContext context, WorkerPool peers, ExperimentResult result)
    {
        await using ChannelSession session = await row.OpenAsync(context, sizes.Max(), peers);
        foreach (int size in sizes)
        {
            if (size > session.MaxMessageBytes)
            {
                result.Missing.Add(new MissingPart($"{row.Series} at {Bytes(size)}",
                    $"it carries at most {Bytes(session.MaxMessageBytes)} per message on this machine (a POSIX queue's limit is /proc/sys/fs/mqueue/msgsize_max for unprivileged users)"));
                continue;
            }

            int rounds = Math.Clamp(Budget(context.Scale) / size, 2, Cap(context.Scale));
            for (int i = 0; i < 2; i++)
            {
                await session.RoundTripAsync(size);
            }

            var latency = new List<double>();
            for (int rep = 0; rep < context.Scale.Repetitions; rep++)
            {
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < rounds; i++)
                {
                    await session.RoundTripAsync(size);
                }

                latency.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds / rounds / 2);
            }

            result.Measurements.Add(new Measurement
            {
                Series = row.Series, Subject = row.Subject, Origin = row.Origin, Level = row.Origin == Origin.Raw ? Level.Os : Level.DotNet, Unit = "µs one-way", X = size, XUnit = "bytes", Samples = latency,
            });
            result.Measurements.Add(new Measurement
            {
                Series = row.Series, Subject = row.Subject, Origin = row.Origin, Level = row.Origin == Origin.Raw ? Level.Os : Level.DotNet, Unit = "MB/s", X = size, XUnit = "bytes",
                Samples = [.. latency.Select(us => size / us)],
                Note = row is SpindlePoolRow && row.Subject == Subject.Thread ? "size / one-way latency; a reference is handed over, nothing is copied" : "size / one-way latency, from the same samples",
            });
        }
    }

    public static string Bytes(int size) => size switch
    {
        >= 1 << 20 => $"{size >> 20} MiB",
        >= 1 << 10 => $"{size >> 10} KiB",
        _ => $"{size} B",
    };

    private static int Budget(LabScale scale) => scale.Pick(4 << 20, 32 << 20);

    private static int Cap(LabScale scale) => scale.Pick(300, 2000);
}
