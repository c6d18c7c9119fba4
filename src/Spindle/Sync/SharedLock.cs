using System.Runtime.Versioning;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>
/// A mutual-exclusion lock shared by processes and threads (Python's <c>multiprocessing.Lock</c>). It is held by a
/// process: any thread of the holder may release it, which suits async code, and it is not re-entrant. When the
/// holder dies, the next acquirer gets the lock together with an <see cref="AbandonedLockException"/>; it never hangs.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedLock : SharedWaitable, ISharedReference<SharedLock>
{
    private SharedLock(Segment segment)
        : base(segment)
    {
    }

    /// <summary>The pid of the process holding the lock, or 0 if it is free.</summary>
    public int HolderProcessId => ReadState(0);

    /// <summary>Whether this process holds the lock.</summary>
    public bool IsHeldByThisProcess => HolderProcessId == Environment.ProcessId;

    string ISharedReference.Reference => ReferenceName;

    private int* Holder => State;

    private int* AbandonedBy => State + 1;

    /// <summary>Creates a free lock; a null name picks a unique one.</summary>
    public static SharedLock Create(string? name = null) =>
        new(SyncSegments.Create(name, SharedObjectKind.Lock, string.Empty, 16));

    /// <summary>Opens a lock another process created.</summary>
    public static SharedLock Open(string name) => new(SyncSegments.Open(name, SharedObjectKind.Lock, string.Empty));

    static SharedLock ISharedReference<SharedLock>.OpenReference(string reference) => Open(reference);

    /// <summary>Waits until the lock is free and takes it. Throws <see cref="AbandonedLockException"/> (holding the lock) if its holder died.</summary>
    public void Acquire(CancellationToken cancellationToken = default) =>
        Outcome(Wait(0, Timeout.InfiniteTimeSpan, cancellationToken));

    /// <summary>Takes the lock if it becomes free within <paramref name="timeout"/>; false if it did not.</summary>
    public bool TryAcquire(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        Outcome(Wait(0, timeout, cancellationToken));

    /// <summary>Waits without blocking the caller's thread until the lock is free, and takes it.</summary>
    public ValueTask AcquireAsync(CancellationToken cancellationToken = default) =>
        WaitResults.Ignore(WaitResults.Map(WaitAsync(0, Timeout.InfiniteTimeSpan, cancellationToken), Outcome));

    /// <summary>Takes the lock if it becomes free within <paramref name="timeout"/>, without blocking the caller's thread.</summary>
    public ValueTask<bool> TryAcquireAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitResults.Map(WaitAsync(0, timeout, cancellationToken), Outcome);

    /// <summary>Acquires the lock for a <c>using</c> block.</summary>
    public Scope EnterScope(CancellationToken cancellationToken = default)
    {
        Acquire(cancellationToken);
        return new Scope(this);
    }

    /// <summary>Frees the lock. Throws <see cref="SynchronizationLockException"/> if this process does not hold it.</summary>
    public void Release()
    {
        using Segment.Lease lease = Segment.Use();
        int holder = Volatile.Read(ref *Holder);
        if (holder != Environment.ProcessId)
        {
            throw new SynchronizationLockException(holder == 0
                ? $"SharedLock '{Name}' is not held; release only a lock you acquired."
                : $"SharedLock '{Name}' is held by process {holder}, not by this one ({Environment.ProcessId}).");
        }

        Volatile.Write(ref *Holder, 0);
        Changed(1);
    }

    private protected override int TryTake(int argument, bool holderMayBeDead)
    {
        int me = Environment.ProcessId;
        int holder = Interlocked.CompareExchange(ref *Holder, me, 0);
        if (holder == 0)
        {
            return Taken;
        }

        if (holderMayBeDead && IsDead(holder) && Interlocked.CompareExchange(ref *Holder, me, holder) == holder)
        {
            Volatile.Write(ref *AbandonedBy, holder);
            return TakenFromDeadHolder;
        }

        return NotYet;
    }

    private protected override int HolderToWatch() => Volatile.Read(ref *Holder);

    private protected override bool IsAvailable() => Volatile.Read(ref *Holder) == 0;

    private bool Outcome(int result) =>
        result == TakenFromDeadHolder ? throw new AbandonedLockException(this, Volatile.Read(ref *AbandonedBy)) : result == Taken;

    /// <summary>Holds the lock until disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly SharedLock _lock;

        internal Scope(SharedLock sharedLock)
        {
            _lock = sharedLock;
        }

        /// <summary>Releases the lock.</summary>
        public void Dispose() => _lock.Release();
    }
}
