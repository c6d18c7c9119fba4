using System.Runtime.Versioning;
using Spindle.Shared;

namespace Spindle.Sync;

/// <summary>
/// An event shared by processes and threads (Python's <c>multiprocessing.Event</c>). A manual-reset event stays set
/// and releases every waiter until reset; an auto-reset one releases a single waiter per <see cref="Set"/>.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed unsafe class SharedEvent : SharedWaitHandle, ISharedReference<SharedEvent>
{
    private SharedEvent(Segment segment)
        : base(segment)
    {
    }

    /// <summary>Whether the event is set.</summary>
    public bool IsSet => ReadState(0) != 0;

    /// <summary>How the event resets.</summary>
    public EventResetMode Mode => ReadState(1) != 0 ? EventResetMode.AutoReset : EventResetMode.ManualReset;

    string ISharedReference.Reference => ReferenceName;

    private int* Signaled => State;

    private int* AutoReset => State + 1;

    /// <summary>Creates an event; a null name picks a unique one.</summary>
    public static SharedEvent Create(EventResetMode mode = EventResetMode.ManualReset, bool initialState = false, string? name = null)
    {
        if (mode is not EventResetMode.ManualReset and not EventResetMode.AutoReset)
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Use EventResetMode.ManualReset or EventResetMode.AutoReset.");
        }

        var created = new SharedEvent(SyncSegments.Create(name, SharedObjectKind.Event, string.Empty, 8));
        *created.AutoReset = mode == EventResetMode.AutoReset ? 1 : 0;
        *created.Signaled = initialState ? 1 : 0;
        return created;
    }

    /// <summary>Opens an event another process created.</summary>
    public static SharedEvent Open(string name) => new(SyncSegments.Open(name, SharedObjectKind.Event, string.Empty));

    static SharedEvent ISharedReference<SharedEvent>.OpenReference(string reference) => Open(reference);

    /// <summary>Sets the event, releasing every waiter (manual reset) or one (auto reset).</summary>
    public void Set()
    {
        using Segment.Lease lease = Segment.Use();
        Volatile.Write(ref *Signaled, 1);
        Changed(*AutoReset != 0 ? 1 : int.MaxValue);
    }

    /// <summary>Clears the event, so waits block again.</summary>
    public void Reset()
    {
        using Segment.Lease lease = Segment.Use();
        Volatile.Write(ref *Signaled, 0);
    }

    private protected override int TryTake(int argument, bool holderMayBeDead) =>
        *AutoReset != 0
            ? (Interlocked.CompareExchange(ref *Signaled, 0, 1) == 1 ? Taken : NotYet)
            : (Volatile.Read(ref *Signaled) != 0 ? Taken : NotYet);

    private protected override bool IsAvailable() => IsSet;
}
