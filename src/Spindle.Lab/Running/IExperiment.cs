using Spindle.Lab.Model;

namespace Spindle.Lab.Running;

/// <summary>One experiment of the lab: measures a row of the seeds' comparison with Spindle and raw OS baselines.</summary>
internal interface IExperiment
{
    /// <summary>The name given to <c>--only</c>.</summary>
    string Name { get; }

    string Title { get; }

    /// <summary>How it measures at this scale, for the report.</summary>
    string Method(LabScale scale);

    /// <summary>Runs the experiment, adding measurements, facts and missing parts to <paramref name="result"/>.</summary>
    Task RunAsync(ExperimentContext context, ExperimentResult result);
}
