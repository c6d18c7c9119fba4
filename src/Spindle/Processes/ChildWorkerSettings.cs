namespace Spindle.Processes;

/// <summary>What a worker process is started with.</summary>
internal sealed record ChildWorkerSettings(TimeSpan StartTimeout, int MaxMessageBytes, string? SerializerType, bool OneShot, long? MemoryLimit = null);
