namespace Spindle.Sync;

/// <summary>The condition's async wait (apart: unsafe code cannot await).</summary>
public sealed partial class SharedCondition
{
    /// <summary>Like <see cref="Wait"/>, without blocking the caller's thread. The lock is held again when it returns.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken = default) =>
        await TryWaitAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);

    /// <summary>Like <see cref="TryWait"/>, without blocking the caller's thread. The lock is held again when it returns.</summary>
    public async ValueTask<bool> TryWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using Shared.Segment.Lease lease = Segment.Use();
        if (!Lock.IsHeldByThisProcess)
        {
            throw new SynchronizationLockException($"Acquire SharedLock '{Lock.Name}' before waiting on SharedCondition '{Name}'.");
        }

        int seen = NotificationCount;
        Lock.Release();
        try
        {
            return await WaitAsync(seen, timeout, cancellationToken).ConfigureAwait(false) != NotYet;
        }
        finally
        {
            await Lock.AcquireAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }
}
