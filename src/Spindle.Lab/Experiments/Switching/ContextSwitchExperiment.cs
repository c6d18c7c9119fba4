using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;
using Spindle.Sync;
using Spindle.Interop;

namespace Spindle.Lab.Experiments.Switching;

/// <summary>
/// Context switching: the same ping-pong between two threads and between two processes, per switch: through a futex
/// with a working set swept from none to a few MiB (<see cref="WorkingSetSweep"/>), through pipes and Spindle's
/// SharedEvent with none, and cross-checked against <c>perf bench sched pipe</c> (<see cref="PerfCrossCheck"/>).
/// </summary>
internal sealed class ContextSwitchExperiment : IExperiment
{
    /// <summary>The hand-off mechanisms measured with no working set, each between two threads and between two processes.</summary>
    private static readonly (string Name, Origin Origin, Level Level)[] Mechanisms = [("pipe", Origin.Raw, Level.Os), ("Spindle SharedEvent", Origin.Spindle, Level.DotNet)];

    public string Name => "context-switch";

    public string Title => "Context switching";

    public string Method(LabScale scale) =>
        "Two threads, then two processes (this one and a warm pool worker), ping-pong through the same mechanism, both sides pinned to the same CPU so every " +
        "hand-off is a real context switch: a futex word in a file mapped MAP_SHARED from the per-user runtime directory (raw futex system call, OS level), " +
        $"a pair of named pipes (OS level) and Spindle's SharedEvent (two auto-reset events, .NET level). Pipe and SharedEvent: {Rounds(scale):N0} round trips per sample " +
        $"({scale.Repetitions} samples), a sample is elapsed time / (2 x round trips). {WorkingSetSweep.Method(scale)} Counters: voluntary_ctxt_switches and " +
        "nonvoluntary_ctxt_switches of both threads from /proc/<pid>/task/<tid>/status, per round trip (2 in all means one switch each way). " +
        PerfCrossCheck.Method(scale);

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        int cpu = LabNative.HighestAllowedCpu();
        await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
        await pool.WarmUpAsync(context.CancellationToken);
        await WorkingSetSweep.RunAsync(context, result, pool, cpu, progress: f => 0.6 * f);
        await MeasureMechanismsAsync(context, result, pool, cpu);
        await PerfCrossCheck.RunAsync(context, result, cpu, progress: f => 0.8 + 0.2 * f);
        context.Report(1, "done");
    }

    private static async Task MeasureMechanismsAsync(ExperimentContext context, ExperimentResult result, WorkerPool pool, int cpu)
    {
        int rounds = Rounds(context.Scale);
        Subject[] subjects = [Subject.Thread, Subject.Process];
        int step = 0;
        foreach ((string mechanism, Origin origin, Level level) in Mechanisms)
        {
            foreach (Subject subject in subjects)
            {
                context.Report(0.6 + 0.2 * step++ / (subjects.Length * Mechanisms.Length), $"{mechanism} between two {Plural(subject)}");
                var perSwitch = new List<double>();
                var voluntary = new List<double>();
                var total = new List<double>();
                bool pinned = true;
                for (int rep = 0; rep < context.Scale.Repetitions + 1; rep++)
                {
                    long[] outcome = await PlayAsync(mechanism, subject, rounds, cpu, pool, context);
                    if (rep == 0)
                    {
                        continue; // warm-up: JIT, page faults, first wake-ups
                    }

                    // [elapsed, pinned, serving side: voluntary, involuntary, answering side: voluntary, involuntary]
                    pinned &= outcome[1] == 1;
                    perSwitch.Add(Stopwatch.GetElapsedTime(0, outcome[0]).TotalMicroseconds / (2.0 * rounds));
                    if (outcome.Skip(2).All(c => c >= 0))
                    {
                        voluntary.Add((outcome[2] + outcome[4]) / (double)rounds);
                        total.Add(outcome.Skip(2).Sum() / (double)rounds);
                    }
                }

                string note = pinned ? "both sides pinned to one CPU" : "pinning refused by the kernel: sides ran where the scheduler put them";
                result.Measurements.Add(new Measurement
                {
                    Series = $"{mechanism} ping-pong, two {Plural(subject)}", Subject = subject, Origin = origin, Level = level, Unit = "µs/switch", Samples = perSwitch, Note = note,
                });
                string counters = $"{mechanism}: context switches per round trip, two {Plural(subject)}";
                if (voluntary.Count > 0)
                {
                    result.Measurements.Add(new Measurement
                    {
                        Series = $"{counters}, voluntary", Subject = subject, Origin = origin, Level = level, Unit = "switches", Samples = voluntary,
                        Note = "voluntary_ctxt_switches of both threads",
                    });
                    result.Measurements.Add(new Measurement
                    {
                        Series = $"{counters}, voluntary + involuntary", Subject = subject, Origin = origin, Level = level, Unit = "switches", Samples = total,
                        Note = "a woken side may preempt the waker before it sleeps: the kernel then counts that switch as involuntary",
                    });
                }
                else
                {
                    result.Missing.Add(new MissingPart(counters, context.Proc.MissingReason));
                }
            }
        }
    }

    private static async Task<long[]> PlayAsync(string mechanism, Subject subject, int rounds, int cpu, WorkerPool pool, ExperimentContext context)
    {
        string path = context.ScratchPath(mechanism);
        if (mechanism == "Spindle SharedEvent")
        {
            using SharedEvent ping = SharedEvent.Create(EventResetMode.AutoReset);
            using SharedEvent pong = SharedEvent.Create(EventResetMode.AutoReset);
            using var giveUp = new CancellationTokenSource();
            Task<long[]> eventAnswer = Answer(subject, pool, static (p, r, c) => EventPingPong.Answer(p, r, c), $"{ping.Name}|{pong.Name}", rounds, cpu);
            Task<long[]> eventServing = Sampler.OnDedicatedThread(() => EventPingPong.Serve(ping, pong, rounds, cpu, context.Proc, giveUp.Token), "event serve");
            if (await Task.WhenAny(eventServing, eventAnswer) == eventAnswer && eventAnswer.IsFaulted)
            {
                await giveUp.CancelAsync();
            }

            long[] eventServed = await eventServing;
            return [.. eventServed, .. await eventAnswer];
        }

        PingPong.CreateFifos(path);
        Task<long[]> pipeAnswer = Answer(subject, pool, static (p, r, c) => PingPong.PipeAnswer(p, r, c), path, rounds, cpu);
        Task<long[]> pipeServing = Sampler.OnDedicatedThread(() => PingPong.PipeServe(path, rounds, cpu, context.Proc), "pipe serve");
        await Channels.PeerGuard.UntilOpenedAsync(pipeServing, pipeAnswer, () => LabNative.ReleaseBlockedOpens(PingPong.Fifos(path)));
        long[] pipeServed = await pipeServing;
        return [.. pipeServed, .. await pipeAnswer];
    }

    /// <summary>Starts the answering side on a new thread, or in the pool's worker process.</summary>
    private static Task<long[]> Answer(Subject subject, WorkerPool pool, Func<string, int, int, long[]> answer, string path, int rounds, int cpu) =>
        subject == Subject.Thread
            ? Sampler.OnDedicatedThread(() => answer(path, rounds, cpu), "answer")
            : pool.RunAsync(answer, path, rounds, cpu);

    private static string Plural(Subject subject) => subject == Subject.Thread ? "threads" : "processes";

    private static int Rounds(LabScale scale) => scale.Pick(5_000, 40_000);
}
