namespace Spindle;

/// <summary>
/// Pools that code may enumerate without knowing where they were made: a registry of named pools implements it and
/// registers it in dependency injection, and whatever shows or checks pools (the Spindle.AspNetCore dashboard, when
/// given no pools of its own) asks it. It lives here, beside <see cref="WorkerPool"/>, so neither side depends on the other.
/// </summary>
public interface IWorkerPoolSource
{
    /// <summary>The pools there are now. Asked again whenever needed (the dashboard: about twice a second), so pools may come and go.</summary>
    IEnumerable<WorkerPool> GetPools();
}
