using System.Runtime.Versioning;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>A counting semaphore shared by processes and threads (Python's <c>multiprocessing.Semaphore</c>).</summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedSemaphore : SharedWaitHandle, ISharedReference<SharedSemaphore>
{
    private SharedSemaphore(Segment segment)
        : base(segment)
    {
    }

    /// <summary>How many more waits would succeed at once.</summary>
    public int CurrentCount => ReadState(0);

    /// <summary>The highest count <see cref="Release"/> may reach.</summary>
    public int MaximumCount => ReadState(1);

    string ISharedReference.Reference => ReferenceName;

    private int* Count => State;

    private int* Maximum => State + 1;

    /// <summary>Creates a semaphore with <paramref name="initialCount"/> free slots; a null name picks a unique one.</summary>
    public static SharedSemaphore Create(int initialCount, int maximumCount = int.MaxValue, string? name = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maximumCount);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(initialCount, maximumCount);
        var semaphore = new SharedSemaphore(SyncSegments.Create(name, SharedObjectKind.Semaphore, string.Empty, 8));
        *semaphore.Count = initialCount;
        *semaphore.Maximum = maximumCount;
        return semaphore;
    }

    /// <summary>Opens a semaphore another process created.</summary>
    public static SharedSemaphore Open(string name) => new(SyncSegments.Open(name, SharedObjectKind.Semaphore, string.Empty));

    static SharedSemaphore ISharedReference<SharedSemaphore>.OpenReference(string reference) => Open(reference);

    /// <summary>Frees <paramref name="releaseCount"/> slots and returns the count before. Throws <see cref="SemaphoreFullException"/> past the maximum.</summary>
    public int Release(int releaseCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(releaseCount);
        using Segment.Lease lease = Segment.Use();
        int count = Volatile.Read(ref *Count);
        while (true)
        {
            if (releaseCount > *Maximum - count)
            {
                throw new SemaphoreFullException($"Releasing {releaseCount} would take SharedSemaphore '{Name}' past its maximum count {*Maximum} (it is at {count}).");
            }

            int seen = Interlocked.CompareExchange(ref *Count, count + releaseCount, count);
            if (seen == count)
            {
                Changed(releaseCount);
                return count;
            }

            count = seen;
        }
    }

    private protected override int TryTake(int argument, bool holderMayBeDead)
    {
        int count = Volatile.Read(ref *Count);
        while (count > 0)
        {
            int seen = Interlocked.CompareExchange(ref *Count, count - 1, count);
            if (seen == count)
            {
                return Taken;
            }

            count = seen;
        }

        return NotYet;
    }

    private protected override bool IsAvailable() => Volatile.Read(ref *Count) > 0;
}
