namespace Spindle.Processes;

/// <summary>What a worker process is started with; <paramref name="Initializer"/> is the call frame it runs before it is ready (see <see cref="WorkerInitializer"/>).</summary>
/// <param name="StartTimeout">How long the start may take.</param>
/// <param name="MaxMessageBytes">The channel's frame limit.</param>
/// <param name="SerializerType">The user's serializer, by assembly-qualified name.</param>
/// <param name="OneShot">Whether the worker runs one call and exits.</param>
/// <param name="MemoryLimit">The worker's memory limit.</param>
/// <param name="Initializer">The initializer's call frame.</param>
internal sealed record WorkerProcessSettings(TimeSpan StartTimeout, int MaxMessageBytes, string? SerializerType, bool OneShot, long? MemoryLimit = null, byte[]? Initializer = null)
{
    /// <summary>Results at least this many bytes come back through the worker's result arena; null keeps them on the channel.</summary>
    public long? SharedMemoryThreshold { get; init; }
}
