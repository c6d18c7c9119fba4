namespace Spindle.Lab.Model;

/// <summary>What one experiment measured and observed, and what it could not measure.</summary>
public sealed class ExperimentResult
{
    /// <summary>The experiment's name as given to <c>--only</c>.</summary>
    public required string Name { get; init; }

    /// <summary>A human title.</summary>
    public required string Title { get; init; }

    /// <summary>How the experiment measures, in a few sentences.</summary>
    public required string Method { get; init; }

    /// <summary>Every measurement, with all its samples.</summary>
    public List<Measurement> Measurements { get; } = [];

    /// <summary>Observed outcomes that are not numbers.</summary>
    public List<Fact> Facts { get; } = [];

    /// <summary>Parts not measured, with the reason.</summary>
    public List<MissingPart> Missing { get; } = [];

    /// <summary>Wall-clock seconds the experiment took.</summary>
    public double Seconds { get; set; }

    /// <summary>The measurement named <paramref name="series"/> (at <paramref name="x"/> when given), or null when it was not measured.</summary>
    public Measurement? Find(string series, double? x = null) =>
        Measurements.FirstOrDefault(m => m.Series == series && (x is null || m.X == x));

    /// <summary>The fact named <paramref name="name"/>, or null.</summary>
    public string? FactValue(string name) => Facts.FirstOrDefault(f => f.Name == name)?.Value;
}
