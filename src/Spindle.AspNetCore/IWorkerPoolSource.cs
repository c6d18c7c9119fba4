namespace Spindle;

/// <summary>
/// Where a dashboard finds its pools when none are given in <see cref="SpindleDashboardOptions"/>: register one in
/// dependency injection (a package that keeps a registry of named pools does) and every mounted dashboard shows its
/// pools.
/// </summary>
public interface IWorkerPoolSource
{
    /// <summary>The pools to show now. Called about twice a second while the app runs, so pools may come and go.</summary>
    IEnumerable<WorkerPool> GetPools();
}
