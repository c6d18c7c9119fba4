using Spindle;
using Spindle.Pools;

namespace Spindle;

/// <summary>Where a pool is in its life.</summary>
public enum PoolState
{
    /// <summary>Accepting and running calls.</summary>
    Running,

    /// <summary>Workers died too often (<see cref="WorkerPoolOptions.MaxRestarts"/> within <see cref="WorkerPoolOptions.RestartWindow"/>): calls fail with <see cref="PoolFaultedException"/>.</summary>
    Faulted,

    /// <summary>Disposing: accepted calls finish, new ones are refused.</summary>
    Draining,

    /// <summary>Disposed or terminated; every worker is gone (threads abandoned to calls that never returned may still be blocked: see <see cref="Isolation.Thread"/>).</summary>
    Stopped,
}
