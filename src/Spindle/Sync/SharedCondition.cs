using System.Runtime.Versioning;
using System.Text;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>
/// A condition variable shared by processes and threads (Python's <c>multiprocessing.Condition</c>), bound to a
/// <see cref="SharedLock"/>: a waiter holding the lock releases it, sleeps until notified, and takes it back.
/// Wake-ups may be spurious, so wait in a loop that re-checks the condition.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed unsafe partial class SharedCondition : SharedWaitable, ISharedReference<SharedCondition>
{
    private const int MaxLockNameBytes = SegmentDirectory.MaxNameLength;
    private readonly bool _ownsLock;

    private SharedCondition(Segment segment, SharedLock sharedLock, bool ownsLock)
        : base(segment)
    {
        Lock = sharedLock;
        _ownsLock = ownsLock;
        if (ownsLock)
        {
            segment.Disposing += sharedLock.Dispose;
        }
    }

    /// <summary>The lock a waiter must hold.</summary>
    public SharedLock Lock { get; }

    string ISharedReference.Reference => ReferenceName;

    private int* Notifications => State;

    private int NotificationCount => Volatile.Read(ref *Notifications);

    private int* LockNameLength => State + 1;

    private byte* LockName => (byte*)(State + 2);

    /// <summary>Creates a condition bound to <paramref name="sharedLock"/>; a null name picks a unique one.</summary>
    public static SharedCondition Create(SharedLock sharedLock, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(sharedLock);
        byte[] lockName = Encoding.UTF8.GetBytes(sharedLock.Name);
        var condition = new SharedCondition(SyncSegments.Create(name, SharedObjectKind.Condition, string.Empty, 8 + MaxLockNameBytes), sharedLock, ownsLock: false);
        lockName.CopyTo(new Span<byte>(condition.LockName, MaxLockNameBytes));
        *condition.LockNameLength = lockName.Length;
        return condition;
    }

    /// <summary>Opens a condition another process created, together with its lock.</summary>
    public static SharedCondition Open(string name)
    {
        Segment segment = SyncSegments.Open(name, SharedObjectKind.Condition, string.Empty);
        try
        {
            int* state = (int*)segment.Data + 2;
            string lockName = Encoding.UTF8.GetString((byte*)(state + 2), Math.Clamp(state[1], 0, MaxLockNameBytes));
            return new SharedCondition(segment, SharedLock.Open(lockName), ownsLock: true);
        }
        catch
        {
            segment.Dispose();
            throw;
        }
    }

    static SharedCondition ISharedReference<SharedCondition>.OpenReference(string reference) => Open(reference);

    /// <summary>Releases the lock, waits for a notification, and re-acquires the lock (also on cancellation).</summary>
    public void Wait(CancellationToken cancellationToken = default) => TryWait(Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Like <see cref="Wait"/>, giving up after <paramref name="timeout"/>; false if not notified in time. The lock is held again either way.</summary>
    public bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using Segment.Lease lease = Segment.Use();
        if (!Lock.IsHeldByThisProcess)
        {
            throw new SynchronizationLockException($"Acquire SharedLock '{Lock.Name}' before waiting on SharedCondition '{Name}'.");
        }

        int seen = NotificationCount;
        Lock.Release();
        try
        {
            return Wait(seen, timeout, cancellationToken) != NotYet;
        }
        finally
        {
            Lock.Acquire(CancellationToken.None);
        }
    }

    /// <summary>Waits until <paramref name="predicate"/> holds (checked with the lock held); false if <paramref name="timeout"/> passed first.</summary>
    public bool WaitFor(Func<bool> predicate, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : System.Diagnostics.Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        while (!predicate())
        {
            TimeSpan remaining = deadline == long.MaxValue ? Timeout.InfiniteTimeSpan : System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), deadline);
            if (deadline != long.MaxValue && remaining <= TimeSpan.Zero)
            {
                return false;
            }

            TryWait(remaining, cancellationToken);
        }

        return true;
    }

    /// <summary>Wakes one waiter.</summary>
    public void NotifyOne() => Notify(1);

    /// <summary>Wakes every waiter.</summary>
    public void NotifyAll() => Notify(int.MaxValue);

    private void Notify(int count)
    {
        using Segment.Lease lease = Segment.Use();
        Interlocked.Increment(ref *Notifications);
        Changed(count);
    }

    private protected override int TryTake(int argument, bool holderMayBeDead) =>
        Volatile.Read(ref *Notifications) != argument ? Taken : NotYet;
}
