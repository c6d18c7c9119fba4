namespace Spindle.Lab.Running;

/// <summary>What to run and where to write it.</summary>
public sealed class LabOptions
{
    /// <summary>Fewer repetitions and sizes: the whole lab in about half a minute.</summary>
    /// <value>The default is false.</value>
    public bool Quick { get; set; }

    /// <summary>The experiments to run, by name; empty runs all.</summary>
    /// <value>The default is empty (all experiments).</value>
    public IReadOnlyList<string> Only { get; set; } = [];

    /// <summary>Skip the Python peers even when python3 exists; their rows are then marked missing.</summary>
    /// <value>The default is false.</value>
    public bool NoPython { get; set; }

    /// <summary>Where the /proc counters are read (a test hook to simulate a machine without /proc).</summary>
    /// <value>The default is <c>/proc</c>, or the directory named by <c>SPINDLE_LAB_PROC_ROOT</c>.</value>
    public string? ProcRoot { get; set; }
}
