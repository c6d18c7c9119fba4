using System.Diagnostics.CodeAnalysis;
using System.Runtime.Versioning;
using Spindle.Calls;
using Spindle.Ipc.Queues;

namespace Spindle.Ipc;

/// <summary>Creates and opens <see cref="MessageQueue{T}"/>s.</summary>
[SupportedOSPlatform("linux")]
public static class MessageQueue
{
    /// <summary>Creates a bounded queue in shared memory; a null <paramref name="name"/> picks a unique one.</summary>
    /// <exception cref="Shared.SharedObjectException">An object with that name already exists.</exception>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public static MessageQueue<T> Create<T>(MessageQueueOptions? options = null, string? name = null) =>
        MessageQueue<T>.Create(options ?? MessageQueueOptions.Default, name);

    /// <summary>Opens a queue another process created (or passed to this worker).</summary>
    /// <exception cref="Shared.SharedObjectNotFoundException">No queue has that name.</exception>
    /// <exception cref="Shared.SharedObjectException">The name belongs to another kind of object or a queue of another type.</exception>
    [RequiresUnreferencedCode(DynamicCode.Values)]
    [RequiresDynamicCode(DynamicCode.Values)]
    public static MessageQueue<T> Open<T>(string name) => MessageQueue<T>.Open(name);
}
