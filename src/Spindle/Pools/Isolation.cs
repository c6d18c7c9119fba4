namespace Spindle.Pools;

/// <summary>Where a pool runs its calls.</summary>
public enum Isolation
{
    /// <summary>In worker processes: own memory, a crash stays inside one call, values are copied in and out.</summary>
    Process,

    /// <summary>On worker threads of this process: shared memory, no copying, but a crash takes the whole process down.</summary>
    Thread,
}
