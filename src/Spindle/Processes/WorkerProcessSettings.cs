using Microsoft.Extensions.Logging;

namespace Spindle.Processes;

/// <summary>
/// What a worker process is started with; <paramref name="Initializer"/> is the call frame it runs before it is ready
/// (see <see cref="WorkerInitializer"/>); with an <paramref name="OutputLogger"/> its stdout and stderr are logged
/// line by line (<see cref="WorkerOutput.Logger"/>), without one they go to this process's console; <paramref name="App"/>
/// is another app's build to start it from (null: this app).
/// </summary>
internal sealed record WorkerProcessSettings(TimeSpan StartTimeout, int MaxMessageBytes, string? SerializerType, bool OneShot, long? MemoryLimit = null, byte[]? Initializer = null, ILogger? OutputLogger = null, WorkerApp? App = null)
{
    /// <summary>Results at least this many bytes come back through the worker's result arena; null keeps them on the channel.</summary>
    public long? SharedMemoryThreshold { get; init; }

    /// <summary>The method that builds the worker's serializer (<see cref="Calls.Serialization.SerializerFactoryMethod"/>); null when the serializer comes from its type or there is none.</summary>
    public string? SerializerFactory { get; init; }
}

/// <summary>
/// An app's build output that worker processes start from instead of this process's own app: a cluster agent runs
/// calls for apps it does not contain. The directory holds the app's assemblies, its runtimeconfig and deps file, and
/// <c>Spindle.Worker.dll</c>; <c>SerializerType</c> is the caller's serializer, loaded from that build; <c>Lane</c>, if
/// given, a lane its workers open (<see cref="WorkerLane"/>).
/// </summary>
internal sealed record WorkerApp(string Directory, string RuntimeConfig, string? DepsFile, string? SerializerType = null, WorkerLaneSpec? Lane = null);
