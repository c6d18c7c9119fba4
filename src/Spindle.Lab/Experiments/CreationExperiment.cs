using System.Diagnostics;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Running;
using Spindle;
using Spindle.Pools;

namespace Spindle.Lab.Experiments;

/// <summary>Creation overhead: a thread against a process, raw and through Spindle, cold and warm.</summary>
internal sealed class CreationExperiment : IExperiment
{
    private const string TrueProgram = "/bin/true";

    public string Name => "creation";

    public string Title => "Creation overhead";

    public string Method(LabScale scale) =>
        $"Each sample is one Stopwatch interval. OS level: pthread_create + pthread_join with a libc start routine (free(NULL)), so no managed code runs on the thread " +
        $"({Threads(scale)} samples); posix_spawn({TrueProgram}) + waitpid ({Processes(scale)} samples; glibc's posix_spawn already clones with CLONE_VM | CLONE_VFORK, " +
        $"so POSIX_SPAWN_USEVFORK would change nothing). .NET level: new Thread + Start + Join and Spindle's WorkerThread start+join ({Threads(scale)} samples each); Process.Start of the same program until it exits; " +
        $"WorkerProcess start until its process exits; a new WorkerPool (process, 1 worker) until its first result ({Cold(scale)} samples each); one call to a warm pool of " +
        $"each isolation, against Task.Run ({Warm(scale)} calls each).";

    public async Task RunAsync(ExperimentContext context, ExperimentResult result)
    {
        LabScale scale = context.Scale;
        context.Report(0, "pthread_create+join");
        result.Measurements.Add(Time("pthread_create+join", Subject.Thread, Origin.Raw, Level.Os, Sampler.Microseconds(Threads(scale), NativeThreads.StartAndJoin)));
        context.Report(0.05, "thread start+join");
        result.Measurements.Add(Time("thread start+join", Subject.Thread, Origin.Raw, Level.DotNet, Sampler.Microseconds(Threads(scale), static () =>
        {
            var thread = new Thread(static () => { });
            thread.Start();
            thread.Join();
        })));
        result.Measurements.Add(Time("WorkerThread start+join", Subject.Thread, Origin.Spindle, Level.DotNet, Sampler.Microseconds(Threads(scale), static () =>
        {
            var worker = new WorkerThread(static () => { });
            worker.Start();
            worker.Join();
        })));

        context.Report(0.15, $"process start+exit of {TrueProgram}");
        if (File.Exists(TrueProgram))
        {
            result.Measurements.Add(Time($"process start+exit ({TrueProgram})", Subject.Process, Origin.Raw, Level.DotNet, Sampler.Microseconds(Processes(scale), static () =>
            {
                using Process process = Process.Start(new ProcessStartInfo(TrueProgram) { UseShellExecute = false })!;
                process.WaitForExit();
            })));
            result.Measurements.Add(Time($"posix_spawn+waitpid ({TrueProgram})", Subject.Process, Origin.Raw, Level.Os,
                Sampler.Microseconds(Processes(scale), static () => Spawn.RunToExit(TrueProgram))));
        }
        else
        {
            result.Missing.Add(new MissingPart($"process start+exit ({TrueProgram})", $"{TrueProgram} does not exist on this machine"));
        }

        context.Report(0.3, "WorkerProcess start+exit");
        result.Measurements.Add(Time("WorkerProcess start+exit", Subject.Process, Origin.Spindle, Level.DotNet, Sampler.Microseconds(Cold(scale), static () =>
        {
            var worker = new WorkerProcess(static () => { });
            worker.Start();
            worker.Join();
        }, warmUp: 1)));

        context.Report(0.5, "WorkerPool cold start to first result");
        result.Measurements.Add(Time("WorkerPool (process) cold start to first result", Subject.Process, Origin.Spindle, Level.DotNet, await ColdPoolAsync(Cold(scale))));

        context.Report(0.7, "warm dispatch");
        foreach (Isolation isolation in new[] { Isolation.Process, Isolation.Thread })
        {
            await using var pool = new WorkerPool(new WorkerPoolOptions { Isolation = isolation, Workers = 1 });
            await pool.WarmUpAsync(context.CancellationToken);
            List<double> calls = await Sampler.MicrosecondsAsync(Warm(scale), () => pool.RunAsync(static x => x + 1, 41), warmUp: 50);
            Subject subject = isolation == Isolation.Process ? Subject.Process : Subject.Thread;
            result.Measurements.Add(Time($"dispatch to a warm WorkerPool ({isolation.ToString().ToLowerInvariant()})", subject, Origin.Spindle, Level.DotNet, calls));
        }

        result.Measurements.Add(Time("dispatch with Task.Run", Subject.Thread, Origin.Raw, Level.DotNet,
            await Sampler.MicrosecondsAsync(Warm(scale), static () => Task.Run(static () => 42), warmUp: 50)));
        context.Report(1, "done");
    }

    private static async Task<List<double>> ColdPoolAsync(int count)
    {
        var samples = new List<double>(count);
        for (int i = 0; i < count; i++)
        {
            long start = Stopwatch.GetTimestamp();
            var pool = new WorkerPool(new WorkerPoolOptions { Isolation = Isolation.Process, Workers = 1 });
            try
            {
                await pool.RunAsync(static () => 42);
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
            }
            finally
            {
                // Shutting the pool down is not part of starting it.
                await pool.DisposeAsync();
            }
        }

        return samples;
    }

    private static Measurement Time(string series, Subject subject, Origin origin, Level level, List<double> samples) =>
        new() { Series = series, Subject = subject, Origin = origin, Level = level, Unit = "µs", Samples = samples };

    private static int Threads(LabScale scale) => scale.Pick(100, 400);

    private static int Processes(LabScale scale) => scale.Pick(10, 40);

    private static int Cold(LabScale scale) => scale.Pick(3, 8);

    private static int Warm(LabScale scale) => scale.Pick(300, 3000);
}
