using System.Diagnostics;
using Spindle.Lab.Experiments.Switching;
using Spindle.Lab.Model;
using Spindle.Lab.Os;
using Spindle.Lab.Verdicts;
using Spindle;
using Spindle.Processes;
using Spindle.Interop;

namespace Spindle.Lab.Running;

/// <summary>Runs the selected experiments one after another and judges the seeds' claims against what they measured.</summary>
public static class LabRunner
{
    /// <summary>The names <see cref="LabOptions.Only"/> accepts, in run order.</summary>
    public static IReadOnlyList<string> ExperimentNames => ExperimentCatalog.Names;

    /// <summary>Checks experiment names (entries may be comma lists) before a run.</summary>
    /// <exception cref="ArgumentException">A name is unknown; the message names <paramref name="optionName"/> and lists the valid names.</exception>
    public static void ValidateExperimentNames(IReadOnlyList<string> names, string optionName = "--only") => _ = ExperimentCatalog.Select(names, optionName);

    /// <summary>Runs the lab. An experiment that fails is recorded as missing with its error; the others still run.</summary>
    /// <exception cref="ArgumentException">An experiment named in <see cref="LabOptions.Only"/> does not exist.</exception>
    public static async Task<LabReport> RunAsync(LabOptions options, IProgressSink progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        IReadOnlyList<IExperiment> experiments = ExperimentCatalog.Select(options.Only);
        ProcFs proc = options.ProcRoot is { } root ? new ProcFs(root) : ProcFs.FromEnvironment();
        var scale = new LabScale(options.Quick);
        bool needsPython = experiments.Any(e => e is Experiments.CpuScalingExperiment);
        PythonLocator python = needsPython ? PythonLocator.Find(options.NoPython) : PythonLocator.Find(disabled: true);
        PerfLocator perf = experiments.Any(e => e is ContextSwitchExperiment) ? PerfLocator.Find() : PerfLocator.Unused;
        var report = new LabReport
        {
            Machine = MachineProbe.Describe(proc, python.Version),
            Mode = options.Quick ? "quick" : "default",
            StartedAt = DateTimeOffset.UtcNow,
        };
        if (report.Machine.BusyCores is { } busy ? busy > 0.5 : report.Machine.LoadAverage > report.Machine.Cores)
        {
            string how = report.Machine.BusyCores is { } cores ? $"{cores:0.0} of {report.Machine.Cores} cores busy just before the run" : $"load average {report.Machine.LoadAverage:0.0} on {report.Machine.Cores} cores";
            report.Warnings.Add($"The machine was busy ({how}): other programs compete for the CPUs, so timings and speedups are noisy; rerun on a quiet machine for figures to publish.");
        }

        if (!proc.Available)
        {
            report.Warnings.Add($"{proc.MissingReason}: memory and context-switch counters are marked not measured.");
        }

        if (needsPython && python.MissingReason is { } noPython)
        {
            report.Warnings.Add($"{noPython}: the Python rows are marked not measured.");
        }

        var clock = Stopwatch.StartNew();
        string scratch = RuntimeDirectory.CreateOwnerDirectory();
        try
        {
            foreach (IExperiment experiment in experiments)
            {
                report.Experiments.Add(await RunOneAsync(experiment, new ExperimentTools(scale, proc, python, perf, scratch), progress, report, cancellationToken));
            }
        }
        finally
        {
            RuntimeDirectory.Delete(scratch);
        }

        if (report.Experiment("context-switch") is { } switching)
        {
            report.Warnings.AddRange(PerfCrossCheck.Compare(switching).Where(a => !a.Agrees)
                .Select(a => $"Cross-check with the kernel's tools: {a.Sentence}. A busy machine or a different wake-up path can explain it; the lab's figure is the one judged."));
        }

        report.Verdicts.AddRange(ClaimCatalog.Judge(report));
        report.Seconds = clock.Elapsed.TotalSeconds;
        return report;
    }

    private static async Task<ExperimentResult> RunOneAsync(
        IExperiment experiment, ExperimentTools tools, IProgressSink progress, LabReport report, CancellationToken cancellationToken)
    {
        var result = new ExperimentResult { Name = experiment.Name, Title = experiment.Title, Method = experiment.Method(tools.Scale) };
        var clock = Stopwatch.StartNew();
        progress.Started(experiment.Name, experiment.Title);
        try
        {
            var context = new ExperimentContext(experiment.Name, tools.Scale, tools.Proc, tools.Python, tools.Perf, tools.Scratch, progress, cancellationToken);
            await experiment.RunAsync(context, result);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A broken experiment must not take the whole report down: what it measured so far stays, the rest is marked.
            result.Missing.Add(new MissingPart("the rest of this experiment", $"{e.GetType().Name}: {e.Message}"));
            report.Warnings.Add($"{experiment.Name}: failed with {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            result.Seconds = clock.Elapsed.TotalSeconds;
            progress.Finished(experiment.Name);
        }

        return result;
    }

    /// <summary>What every experiment of one run shares.</summary>
    private sealed record ExperimentTools(LabScale Scale, ProcFs Proc, PythonLocator Python, PerfLocator Perf, string Scratch);
}
