namespace Spindle.Lab.Model;

/// <summary>The unit of execution a measurement belongs to.</summary>
public enum Subject
{
    /// <summary>Threads of one process.</summary>
    Thread,

    /// <summary>Separate operating-system processes.</summary>
    Process,

    /// <summary>Async tasks on the thread pool (no thread per task).</summary>
    Async,
}
