namespace Spindle.Pools;

/// <summary>A snapshot of one worker of a pool.</summary>
/// <param name="Id">The pid (process isolation), or the worker's number in its pool (thread isolation: calls run on thread-pool threads).</param>
/// <param name="Isolation">Whether it is a process or a thread.</param>
/// <param name="Busy">Whether it is running a call now.</param>
/// <param name="CallsDone">Calls it has finished.</param>
/// <param name="StartedAt">When it started.</param>
public sealed record WorkerInfo(int Id, Isolation Isolation, bool Busy, int CallsDone, DateTimeOffset StartedAt)
{
    private readonly Isolation _isolation = EnumValue.Defined(Isolation, nameof(Isolation));

    /// <summary>Whether it is a process or a thread.</summary>
    public Isolation Isolation
    {
        get => _isolation;
        init => _isolation = EnumValue.Defined(value, nameof(Isolation));
    }

    /// <summary>Calls sent to it and not finished: the running one plus any sent ahead (see <see cref="WorkerPoolOptions.PipelineDepth"/>).</summary>
    public int CallsHeld { get; init; }
}
