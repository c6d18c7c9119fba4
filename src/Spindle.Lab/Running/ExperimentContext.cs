using Spindle.Lab.Os;

namespace Spindle.Lab.Running;

/// <summary>What an experiment gets to work with: the scale, the counters, python3 and perf, a private scratch directory, progress.</summary>
internal sealed class ExperimentContext(
    string experiment, LabScale scale, ProcFs proc, PythonLocator python, PerfLocator perf, string scratch, IProgressSink progress, CancellationToken cancellationToken)
{
    public LabScale Scale { get; } = scale;

    public ProcFs Proc { get; } = proc;

    public PythonLocator Python { get; } = python;

    public PerfLocator Perf { get; } = perf;

    /// <summary>A 0700 directory of this run, removed at the end.</summary>
    public string Scratch { get; } = scratch;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Number of logical CPUs (N in "1…2N workers").</summary>
    public static int Cores => Environment.ProcessorCount;

    public void Report(double fraction, string step) => progress.Advanced(experiment, Math.Clamp(fraction, 0, 1), step);

    /// <summary>A fresh path inside <see cref="Scratch"/>.</summary>
    public string ScratchPath(string name) => Path.Combine(Scratch, $"{name}-{Guid.NewGuid():N}");
}
