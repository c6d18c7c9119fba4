using Spindle;
using Spindle.Pools;

namespace Spindle.Tests.Support;

/// <summary>Pools for tests: small and quick to start.</summary>
internal static class TestPools
{
    public static WorkerPool Process(int workers = 1, Action<WorkerPoolOptions>? configure = null) => Create(Isolation.Process, workers, configure);

    public static WorkerPool Thread(int workers = 1, Action<WorkerPoolOptions>? configure = null) => Create(Isolation.Thread, workers, configure);

    public static WorkerPool Create(Isolation isolation, int workers = 1, Action<WorkerPoolOptions>? configure = null)
    {
        var options = new WorkerPoolOptions { Isolation = isolation, Workers = workers };
        configure?.Invoke(options);
        return new WorkerPool(options);
    }

    public static TheoryData<Isolation> BothIsolations => new() { Isolation.Process, Isolation.Thread };
}
