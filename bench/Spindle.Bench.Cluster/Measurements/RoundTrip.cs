using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using Spindle.Bench.Cluster.Setup;
using Spindle.Bench.Harness;

namespace Spindle.Bench.Cluster.Measurements;

/// <summary>
/// 1. A tiny call's round trip through the cluster, one at a time: <c>await pool.RunAsync(x => x + 1, i)</c> on a
/// pool whose cluster has one agent with one worker; against a raw NATS request-reply (4 bytes each way) to another
/// process on the same server, in alternating rounds; and, for context, the JetStream floor (the same 4 bytes through a
/// work-queue stream to another process and back, see <see cref="NatsEcho"/>), the raw request-reply relayed by the
/// responder through a local process pool of one worker (what the hop to a worker process adds, with no JetStream),
/// the same calls with direct offers off (every call through the stream), Dask's and Celery's round trips.
/// </summary>
internal static class RoundTrip
{
    public static async Task<IReadOnlyList<Row>> RunAsync(BenchCluster cluster)
    {
        ClusterSettings settings = cluster.Settings;
        await using AgentProcess agent = await AgentProcess.StartAsync(cluster.Server.Url, BenchCluster.RoundTripCluster, "rt-1", workers: 1);
        await using var pool = new WorkerPool(new WorkerPoolOptions { Workers = 1 }.UseCluster(cluster.Options(BenchCluster.RoundTripCluster)));
        // The same calls with every one through the stream, as before direct offers: what the direct path saves.
        await using var streamPool = new WorkerPool(new WorkerPoolOptions { Workers = 1 }.UseCluster(cluster.Options(BenchCluster.RoundTripCluster)));
        ClusterPool.ClientOf(streamPool).OfferNothingDirect();
        await using var echo = await EchoProcess.StartAsync(cluster.Server.Url, mode: null);
        await using var floor = await EchoProcess.StartAsync(cluster.Server.Url, NatsEcho.StreamFlag);
        await using var relayed = await EchoProcess.StartAsync(cluster.Server.Url, NatsEcho.RelayFlag);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = cluster.Server.Url, Name = "spindle bench raw requester" });
        await nats.ConnectAsync();
        await using INatsSub<byte[]> floorInbox = await nats.SubscribeCoreAsync<byte[]>("_INBOX." + Guid.NewGuid().ToString("N"));
        await nats.PingAsync();

        // Warm both sides: the agent's worker started, the build fetched, the hot paths compiled.
        var warming = Stopwatch.StartNew();
        while (warming.Elapsed < settings.WarmUp)
        {
            await SpindleCallsAsync(pool, 300, samples: null, settings.CallTimeout);
            await RawRequestsAsync(nats, echo.Subject, 300, samples: null, settings.CallTimeout);
            await FloorRequestsAsync(nats, floor.Subject, floorInbox, 300, samples: null, settings.CallTimeout);
            await RawRequestsAsync(nats, relayed.Subject, 300, samples: null, settings.CallTimeout);
            await SpindleCallsAsync(streamPool, 300, samples: null, settings.CallTimeout);
        }

        var spindle = new List<double>();
        var raw = new List<double>();
        var jetStream = new List<double>();
        var throughWorker = new List<double>();
        var throughStream = new List<double>();
        double spindleCpu = 0, rawCpu = 0;
        for (int round = 0; round < settings.RoundTripRounds; round++)
        {
            Dictionary<string, double> byProcess = ProcessTreeCpu.ByProcess();
            double cpu = ProcessTreeCpu.Seconds();
            await SpindleCallsAsync(pool, settings.RoundTripCallsPerRound, spindle, settings.CallTimeout);
            double between = ProcessTreeCpu.Seconds();
            if (round == 0)
            {
                Console.Write($"(CPU µs per Spindle round trip by process: {ProcessTreeCpu.Describe(byProcess, ProcessTreeCpu.ByProcess(), settings.RoundTripCallsPerRound)}) ");
            }

            await RawRequestsAsync(nats, echo.Subject, settings.RoundTripCallsPerRound, raw, settings.CallTimeout);
            spindleCpu += between - cpu;
            rawCpu += ProcessTreeCpu.Seconds() - between;
            await FloorRequestsAsync(nats, floor.Subject, floorInbox, settings.RoundTripCallsPerRound, jetStream, settings.CallTimeout);
            await RawRequestsAsync(nats, relayed.Subject, settings.RoundTripCallsPerRound, throughWorker, settings.CallTimeout);
            await SpindleCallsAsync(streamPool, settings.RoundTripCallsPerRound, throughStream, settings.CallTimeout);
        }

        Console.Write($"(CPU per round trip, all processes: Spindle {spindleCpu / spindle.Count * 1e6:0} µs, raw {rawCpu / raw.Count * 1e6:0} µs) ");

        // Row 1e's baseline over row 1's: what the worker hop alone adds to a raw request-reply, the lower bound of
        // row 1's ratio for any design that runs calls in worker processes, JetStream or not.
        double hop = Metric.Of(throughWorker, Unit.Microseconds).Summary.Median / Metric.Of(raw, Unit.Microseconds).Summary.Median;
        Console.Write($"(the raw request-reply through a local worker: {hop:0.00}x the raw one) ");

        string calls = settings.PeerRoundTripCalls.ToString(CultureInfo.InvariantCulture);
        var dask = new PeerSamples(cluster.Peers.DaskProblem);
        await dask.RunOnceAsync("dask_peer.py", settings.PeerTimeout, null, "roundtrip", "--calls", calls);
        var celery = new PeerSamples(cluster.Peers.CeleryProblem ?? cluster.RedisProblem);
        await celery.RunOnceAsync("celery_peer.py", settings.PeerTimeout, cluster.Redis is { } redis ? new Dictionary<string, string> { ["SPINDLE_BENCH_CELERY_BROKER"] = redis.Url } : null,
            "roundtrip", "--calls", calls);

        Metric spindleMetric = Metric.Of(spindle, Unit.Microseconds);
        string title = $"Round trip int->int through 1 agent x 1 worker ({spindle.Count:N0} calls)";
        return
        [
            new Row("1", title, $"raw NATS request-reply to another process, 4 B ({raw.Count:N0})", Goal.AtMostTimes(1.5))
            {
                Spindle = spindleMetric,
                Baseline = Metric.Of(raw, Unit.Microseconds),
            },
            new Row("1d", "same calls", $"JetStream floor: 4 B through a work-queue stream and a pull consumer to another process, answered on core NATS, acked ({jetStream.Count:N0})", Goal.ReportOnly)
            {
                Spindle = spindleMetric,
                Baseline = Metric.Of(jetStream, Unit.Microseconds),
            },
            new Row("1e", "same calls", $"raw NATS request-reply whose responder computes each answer in a local process pool of 1 worker: the worker hop with no JetStream ({throughWorker.Count:N0})", Goal.ReportOnly)
            {
                Spindle = spindleMetric,
                Baseline = Metric.Of(throughWorker, Unit.Microseconds),
            },
            new Row("1f", "same calls", $"the same calls through the work-queue stream, direct offers off (a second pool, alternating rounds; {throughStream.Count:N0})", Goal.ReportOnly)
            {
                Spindle = spindleMetric,
                Baseline = Metric.Of(throughStream, Unit.Microseconds),
            },
            new Row("1b", "same calls", $"Dask Client.submit(inc).result(), LocalCluster 2x1 ({settings.PeerRoundTripCalls:N0})", Goal.AtLeastFaster(1))
            {
                Spindle = spindleMetric,
                Baseline = dask.Metric(Unit.Milliseconds) is { } d ? ToMicroseconds(d) : null,
                BaselineProblem = dask.Problem,
            },
            new Row("1c", "same calls", $"Celery inc.delay(i).get(), redis, prefork 2 ({settings.PeerRoundTripCalls:N0})", Goal.AtLeastFaster(1))
            {
                Spindle = spindleMetric,
                Baseline = celery.Metric(Unit.Milliseconds) is { } c ? ToMicroseconds(c) : null,
                BaselineProblem = celery.Problem,
            },
        ];
    }

    private static Metric ToMicroseconds(Metric ms) =>
        new(new Summary(ms.Summary.Median * 1000, ms.Summary.Min * 1000, ms.Summary.Max * 1000, ms.Summary.Count), Unit.Microseconds);

    private static async Task SpindleCallsAsync(WorkerPool pool, int calls, List<double>? samples, TimeSpan timeout)
    {
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            int y = await pool.RunAsync(x => x + 1, i).WaitAsync(timeout);
            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (y != i + 1)
            {
                throw new InvalidOperationException($"RunAsync(x => x + 1, {i}) returned {y}.");
            }
        }
    }

    private static async Task RawRequestsAsync(NatsConnection nats, string subject, int calls, List<double>? samples, TimeSpan timeout)
    {
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            NatsMsg<byte[]> reply = await nats.RequestAsync<byte[], byte[]>(subject, BitConverter.GetBytes(i)).AsTask().WaitAsync(timeout);
            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (reply.Data is not { Length: 4 } data || BitConverter.ToInt32(data) != i + 1)
            {
                throw new InvalidOperationException($"The raw echo answered {i} wrongly.");
            }
        }
    }

    /// <summary>The JetStream floor: published (no wait for the server's ack, as Spindle's calls are), answered on <paramref name="inbox"/>.</summary>
    private static async Task FloorRequestsAsync(NatsConnection nats, string subject, INatsSub<byte[]> inbox, int calls, List<double>? samples, TimeSpan timeout)
    {
        var headers = new NatsHeaders { [NatsEcho.InboxHeader] = inbox.Subject };
        for (int i = 0; i < calls; i++)
        {
            long start = Stopwatch.GetTimestamp();
            await nats.PublishAsync(subject, BitConverter.GetBytes(i), headers);
            NatsMsg<byte[]> reply = await inbox.Msgs.ReadAsync().AsTask().WaitAsync(timeout);
            samples?.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            if (reply.Data is not { Length: 4 } data || BitConverter.ToInt32(data) != i + 1)
            {
                throw new InvalidOperationException($"The JetStream echo answered {i} wrongly.");
            }
        }
    }

    /// <summary>This bench started again as the raw responder, stopped by closing its standard input.</summary>
    private sealed class EchoProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private EchoProcess(Process process, string subject)
        {
            _process = process;
            Subject = subject;
        }

        public string Subject { get; }

        public static async Task<EchoProcess> StartAsync(string url, string? mode)
        {
            string subject = "bench.echo." + Guid.NewGuid().ToString("N");
            ProcessStartInfo info = mode is null ? Launch.Self(NatsEcho.ChildCommand, url, subject) : Launch.Self(NatsEcho.ChildCommand, url, subject, mode);
            info.RedirectStandardInput = true;
            Process process = Process.Start(info) ?? throw new InvalidOperationException("Could not start the raw NATS responder.");
            var echo = new EchoProcess(process, subject);
            try
            {
                string? line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
                if (line != NatsEcho.Ready)
                {
                    throw new InvalidOperationException($"The raw NATS responder said '{line}': {await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(5))}");
                }
            }
            catch
            {
                await echo.DisposeAsync();
                throw;
            }

            return echo;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                _process.StandardInput.Close();
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception e) when (e is IOException or TimeoutException or InvalidOperationException)
            {
                // Killed below.
            }

            await Stopping.KillAsync(_process);
        }
    }
}
