using System.Runtime.Versioning;
namespace Spindle.Sync;

/// <summary>
/// A shared object a caller waits on until it is signaled: a <see cref="SharedSemaphore"/> with a free slot, a
/// <see cref="SharedEvent"/> that is set. Like <see cref="WaitHandle"/>, for processes and threads alike.
/// </summary>
[SupportedOSPlatform("linux")]
public abstract class SharedWaitHandle : SharedWaitable
{
    private protected SharedWaitHandle(Shared.Segment segment)
        : base(segment)
    {
    }

    /// <summary>Waits until the object is signaled (taking a slot of a semaphore, or an auto-reset event's signal).</summary>
    public void Wait(CancellationToken cancellationToken = default) => Wait(0, Timeout.InfiniteTimeSpan, cancellationToken);

    /// <summary>Waits up to <paramref name="timeout"/> for the object to be signaled; false if it was not in time.</summary>
    public bool TryWait(TimeSpan timeout, CancellationToken cancellationToken = default) => Wait(0, timeout, cancellationToken) != NotYet;

    /// <summary>Waits until the object is signaled, without blocking the caller's thread.</summary>
    public ValueTask WaitAsync(CancellationToken cancellationToken = default) =>
        WaitResults.Ignore(WaitResults.Map(WaitAsync(0, Timeout.InfiniteTimeSpan, cancellationToken), static r => r != NotYet));

    /// <summary>Waits up to <paramref name="timeout"/> for the object to be signaled, without blocking the caller's thread.</summary>
    public ValueTask<bool> TryWaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitResults.Map(WaitAsync(0, timeout, cancellationToken), static r => r != NotYet);
}
