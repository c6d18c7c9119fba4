namespace Spindle;

/// <summary>
/// The worker pools registered with <c>AddWorkerPool</c>, by name: for code that enumerates them (a dashboard, a health
/// check) or picks one at run time. A pool is created the first time it is asked for, and is the same instance that
/// keyed dependency injection (<c>[FromKeyedServices("name")] WorkerPool</c>) gives. It is also registered as the
/// <see cref="IWorkerPoolSource"/>, so a dashboard mounted with <c>MapSpindleDashboard</c> shows every registered pool.
/// </summary>
public interface IWorkerPoolProvider : IWorkerPoolSource
{
    /// <summary>The registered pools' names, in the order they were first registered.</summary>
    IReadOnlyList<string> Names { get; }

    /// <summary>The pool registered as <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No pool is registered as <paramref name="name"/>; the message lists the names that are.</exception>
    WorkerPool GetPool(string name);
}
