using Spindle.Lab.Experiments;
using Spindle.Lab.Experiments.Switching;

namespace Spindle.Lab.Running;

/// <summary>Every experiment of the lab, in the order they run.</summary>
internal static class ExperimentCatalog
{
    public static IReadOnlyList<IExperiment> All { get; } =
    [
        new CreationExperiment(),
        new ContextSwitchExperiment(),
        new MemoryExperiment(),
        new CommunicationExperiment(),
        new CpuScalingExperiment(),
        new IoConcurrencyExperiment(),
        new IsolationExperiment(),
    ];

    /// <summary>The valid names, for error messages and help.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(e => e.Name)];

    /// <summary>The experiments named in <paramref name="only"/> (each entry may be a comma list); all when it has no entry.</summary>
    /// <exception cref="ArgumentException">
    /// A name is not an experiment (the message lists the valid ones), or the option was given and names none (an
    /// empty shell variable): that must not start the whole lab, which takes minutes.
    /// </exception>
    public static IReadOnlyList<IExperiment> Select(IReadOnlyList<string> only, string optionName = "--only")
    {
        if (only.Count == 0)
        {
            return All;
        }

        string[] names = [.. only.SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
        if (names.Length == 0)
        {
            throw new ArgumentException(
                $"{optionName} names no experiment ('{string.Join(' ', only)}'); leave it out to run them all, or name some of: {string.Join(", ", Names)}.", optionName);
        }

        string[] unknown = [.. names.Where(n => !Names.Contains(n, StringComparer.OrdinalIgnoreCase))];
        if (unknown.Length > 0)
        {
            throw new ArgumentException(
                $"{optionName}: unknown experiment {string.Join(", ", unknown.Select(u => $"'{u}'"))}; valid names are {string.Join(", ", Names)}.", optionName);
        }

        return [.. All.Where(e => names.Contains(e.Name, StringComparer.OrdinalIgnoreCase))];
    }
}
