namespace Spindle.Lab.Running;

/// <summary>Receives progress while the lab runs (the terminal's progress bar).</summary>
public interface IProgressSink
{
    /// <summary>An experiment started.</summary>
    void Started(string experiment, string title);

    /// <summary>An experiment is <paramref name="fraction"/> (0–1) done and is now doing <paramref name="step"/>.</summary>
    void Advanced(string experiment, double fraction, string step);

    /// <summary>An experiment ended.</summary>
    void Finished(string experiment);
}
