namespace Spindle.Processes;

/// <summary>What a worker process is started with; <paramref name="Initializer"/> is the call frame it runs before it is ready (see <see cref="WorkerInitializer"/>).</summary>
internal sealed record WorkerProcessSettings(TimeSpan StartTimeout, int MaxMessageBytes, string? SerializerType, bool OneShot, long? MemoryLimit = null, byte[]? Initializer = null);
