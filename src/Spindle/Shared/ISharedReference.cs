namespace Spindle.Shared;

/// <summary>
/// An object that lives outside any one process's memory (a shared segment, a lock, a pipe end, a queue, a
/// listener's address) and so crosses a worker boundary by reference: as an argument or a captured variable of a
/// <c>WorkerProcess</c>/<c>WorkerPool</c> call, only its <see cref="Reference"/> travels, and the worker opens the
/// same object with <see cref="ISharedReference{TSelf}.OpenReference"/>.
/// </summary>
/// <remarks>
/// Contract for implementers: <see cref="Reference"/> is a string that identifies the object to any process of the
/// same user (usually its name), and opening it must not depend on the sender staying alive longer than the call.
/// In a worker, objects opened this way for a call are disposed (if <see cref="IDisposable"/>) when the call
/// returns; one call that receives the same reference twice gets one instance. Thread isolation passes the very
/// same instance, with no copy. Only top-level arguments and captured variables travel by reference; a reference
/// nested inside another serialized value is refused with a clear error.
/// </remarks>
internal interface ISharedReference
{
    /// <summary>What another process needs to open this same object (for most objects, its name).</summary>
    string Reference { get; }
}

/// <summary>An <see cref="ISharedReference"/> that knows how to open itself from its reference in another process.</summary>
/// <typeparam name="TSelf">The implementing type.</typeparam>
internal interface ISharedReference<TSelf> : ISharedReference
    where TSelf : class, ISharedReference<TSelf>
{
    /// <summary>Opens the object <paramref name="reference"/> identifies (the sender's <see cref="ISharedReference.Reference"/>).</summary>
    static abstract TSelf OpenReference(string reference);
}

/// <summary>A shared object that is one segment, which a worker can hand over to its parent as a call's result (see <see cref="Segment.AddUser"/>).</summary>
internal interface ISegmentBacked : IDisposable
{
    /// <summary>The segment behind the object.</summary>
    Segment Segment { get; }

    /// <summary>Whether this process created it without a name (<see cref="HandedOverArrays"/> may reuse it).</summary>
    bool Recyclable { get; }
}
