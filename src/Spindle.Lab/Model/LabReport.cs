namespace Spindle.Lab.Model;

/// <summary>Everything one run of the lab produced: the machine, every experiment with every sample, and the verdicts.</summary>
public sealed class LabReport
{
    /// <summary>The machine the numbers come from.</summary>
    public required MachineInfo Machine { get; init; }

    /// <summary>"quick" or "default".</summary>
    public required string Mode { get; init; }

    /// <summary>When the run started (UTC).</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Wall-clock seconds of the whole run.</summary>
    public double Seconds { get; set; }

    /// <summary>The experiments, in the order run.</summary>
    public List<ExperimentResult> Experiments { get; } = [];

    /// <summary>One verdict per claim of the seed documents.</summary>
    public List<Verdict> Verdicts { get; } = [];

    /// <summary>Problems with the run as a whole (an experiment that failed, a counter that is missing).</summary>
    public List<string> Warnings { get; } = [];

    /// <summary>The experiment named <paramref name="name"/>, or null when it was not run.</summary>
    public ExperimentResult? Experiment(string name) => Experiments.FirstOrDefault(e => e.Name == name);
}
