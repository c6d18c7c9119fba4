namespace Spindle.Lab.Model;

/// <summary>
/// The layer a number is measured at: the operating system's own primitive (libc, system calls, no managed code in the
/// unit being measured), or .NET (the runtime's types and Spindle's on top of them), or Python (the seeds' language).
/// </summary>
public enum Level
{
    /// <summary>An operating-system primitive: <c>pthread_create</c>, <c>posix_spawn</c>, a futex, a pipe, an idle C program.</summary>
    Os,

    /// <summary>.NET: <c>new Thread</c>, <c>Process.Start</c>, Spindle's <c>WorkerThread</c>, <c>WorkerProcess</c> and pools.</summary>
    DotNet,

    /// <summary>The same work in Python.</summary>
    Python,
}

/// <summary>How a <see cref="Level"/> is written in tables.</summary>
public static class LevelNames
{
    /// <summary>"OS", ".NET" or "Python".</summary>
    public static string Label(this Level level) => level switch
    {
        Level.Os => "OS",
        Level.DotNet => ".NET",
        _ => "Python",
    };
}
