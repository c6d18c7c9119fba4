using Spindle;
using Spindle.Pools;
using Spindle.Interop;
using Spindle.Processes;

namespace Spindle.Tests.Support;

/// <summary>Every worker process a pool started, so a test can check that none outlived the pool.</summary>
internal sealed class StartedWorkers
{
    private readonly List<int> _pids = [];
    private readonly Isolation _isolation;

    /// <summary>Starts listening: create the pool without warm-up, so no worker starts before this.</summary>
    public StartedWorkers(WorkerPool pool)
    {
        _isolation = pool.Isolation;
        pool.WorkerStarted += (_, e) =>
        {
            lock (_pids)
            {
                _pids.Add(e.WorkerId);
            }
        };
    }

    /// <summary>Fails the test if a worker process of the pool is still alive (a stopped pool has waited for every exit).</summary>
    public void AssertNoneAlive()
    {
        if (_isolation == Isolation.Thread)
        {
            return;
        }

        lock (_pids)
        {
            Assert.All(_pids, pid => Assert.False(Native.ProcessAlive(pid), $"worker {pid} outlived its stopped pool"));
        }
    }
}
