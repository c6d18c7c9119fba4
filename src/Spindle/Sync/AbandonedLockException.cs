using System.Runtime.Versioning;
namespace Spindle.Sync;

/// <summary>
/// The process that held a <see cref="SharedLock"/> died without releasing it. The lock now belongs to the caller
/// that received this exception (as with <see cref="AbandonedMutexException"/>): check or repair what the lock
/// protects, since the dead holder may have left it half-updated, then <see cref="SharedLock.Release"/> it.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class AbandonedLockException : SpindleException
{
    /// <summary>Creates the exception for <paramref name="sharedLock"/>, abandoned by process <paramref name="deadHolderProcessId"/>.</summary>
    public AbandonedLockException(SharedLock sharedLock, int deadHolderProcessId)
        : base($"SharedLock '{sharedLock?.Name}' was held by process {deadHolderProcessId}, which died without releasing it. " +
            "This caller now holds the lock: check the state it protects, then release it.")
    {
        Lock = sharedLock!;
        DeadHolderProcessId = deadHolderProcessId;
    }

    /// <summary>The lock, now held by the caller.</summary>
    public SharedLock Lock { get; }

    /// <summary>The process that died holding the lock.</summary>
    public int DeadHolderProcessId { get; }
}
