namespace Spindle.Lab.Running;

/// <summary>Repetition counts and sizes for one mode: quick (about 30 s) or default (a few minutes on 2 cores).</summary>
internal sealed record LabScale(bool Quick)
{
    /// <summary>Repetitions of a measurement whose sample is a whole run of something (a scaling run, a batch).</summary>
    public int Repetitions => Quick ? 3 : 5;

    /// <summary>Picks the quick or the default value.</summary>
    public T Pick<T>(T quick, T full) => Quick ? quick : full;
}
