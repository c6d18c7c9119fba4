using Spindle.Interop;
namespace Spindle.Processes;

/// <summary>
/// What turns a process into a worker: its channel arrives as two inherited descriptors at fixed numbers, and these
/// environment variables say so and carry its settings. Nothing here is secret: the channel needs no token, because
/// only the worker holds the other ends of the parent's socket pairs.
/// </summary>
internal sealed record WorkerEnvironment(
    int ParentProcessId,
    string? SerializerType,
    int MaxMessageBytes,
    bool OneShot,
    long? MemoryLimit = null,
    long? SharedMemoryThreshold = null,
    string? SerializerFactory = null,
    WorkerLaneSpec? Lane = null)
{
    /// <summary>Where the worker finds its end of the data connection (calls and results).</summary>
    public const int DataDescriptor = 3;

    /// <summary>Where the worker finds its end of the control connection (its hello, then cancellations).</summary>
    public const int ControlDescriptor = 4;

    private const string ChannelVariable = "SPINDLE_WORKER_CHANNEL";
    private const string ParentVariable = "SPINDLE_WORKER_PARENT";
    private const string SerializerVariable = "SPINDLE_WORKER_SERIALIZER";
    private const string SerializerFactoryVariable = "SPINDLE_WORKER_SERIALIZER_FACTORY";
    private const string MaxMessageVariable = "SPINDLE_WORKER_MAX_MESSAGE";
    private const string OneShotVariable = "SPINDLE_WORKER_ONE_SHOT";
    private const string MemoryLimitVariable = "SPINDLE_WORKER_MEMORY_LIMIT";
    private const string SharedThresholdVariable = "SPINDLE_WORKER_SHARED_THRESHOLD";
    private const string LaneVariable = "SPINDLE_WORKER_LANE";
    private const string LaneSettingsVariable = "SPINDLE_WORKER_LANE_SETTINGS";

    /// <summary>The runtime's own setting for the GC's hard limit (hexadecimal bytes), read as the worker's runtime starts.</summary>
    private const string GCHeapHardLimitVariable = "DOTNET_GCHeapHardLimit";

    /// <summary>
    /// Whether this process was started as a worker: the channel variable is set and names this process's parent. A
    /// program a worker starts inherits the variables but not the descriptors, and its parent is the worker.
    /// </summary>
    public static bool IsWorker =>
        Environment.GetEnvironmentVariable(ChannelVariable) is not null
        && Environment.GetEnvironmentVariable(ParentVariable) is { } parent
        && (!Native.IsLinux || parent == Native.ParentProcessId().ToString(System.Globalization.NumberFormatInfo.InvariantInfo));

    public void WriteTo(IDictionary<string, string?> environment)
    {
        environment[ChannelVariable] = $"{DataDescriptor},{ControlDescriptor}";
        environment[ParentVariable] = ParentProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[SerializerVariable] = SerializerType;
        environment[SerializerFactoryVariable] = SerializerFactory;
        environment[MaxMessageVariable] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[OneShotVariable] = OneShot ? "1" : null;
        environment[MemoryLimitVariable] = MemoryLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[SharedThresholdVariable] = SharedMemoryThreshold?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[LaneVariable] = Lane?.TypeName;
        environment[LaneSettingsVariable] = Lane?.Settings;
        if (MemoryLimit is { } limit)
        {
            // The managed heap is where a call's memory goes: the GC refuses to grow it past the limit (an
            // OutOfMemoryException the worker answers by exiting), counting memory committed, not address space reserved.
            environment[GCHeapHardLimitVariable] = "0x" + limit.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reads the settings and clears the variables from .NET's copy of the environment, so user code does not see them.</summary>
    public static WorkerEnvironment ReadAndClear()
    {
        string Take(string name, bool required = true)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
            return value ?? (required ? throw new InvalidOperationException($"This process was started as a Spindle worker but {name} is missing.") : string.Empty);
        }

        // Convert's base-10 parsing is culture-free: the first touch of any CultureInfo costs a new worker ~2 ms.
        _ = Take(ChannelVariable);
        string serializer = Take(SerializerVariable, required: false);
        string serializerFactory = Take(SerializerFactoryVariable, required: false);
        string memoryLimit = Take(MemoryLimitVariable, required: false);
        string sharedThreshold = Take(SharedThresholdVariable, required: false);
        string lane = Take(LaneVariable, required: false);
        string laneSettings = Take(LaneSettingsVariable, required: false);
        if (memoryLimit.Length != 0)
        {
            // Set for this worker's runtime only: a program the worker's calls start must not inherit its heap limit.
            Environment.SetEnvironmentVariable(GCHeapHardLimitVariable, null);
        }
        return new WorkerEnvironment(
            Convert.ToInt32(Take(ParentVariable), 10),
            serializer.Length == 0 ? null : serializer,
            Convert.ToInt32(Take(MaxMessageVariable), 10),
            Take(OneShotVariable, required: false) == "1",
            memoryLimit.Length == 0 ? null : Convert.ToInt64(memoryLimit, 10),
            sharedThreshold.Length == 0 ? null : Convert.ToInt64(sharedThreshold, 10),
            serializerFactory.Length == 0 ? null : serializerFactory,
            lane.Length == 0 ? null : new WorkerLaneSpec(lane, laneSettings));
    }
}

/// <summary>A worker's lane (<see cref="WorkerLane"/>): the type its build holds, and the settings the parent gives it (a file's path, say).</summary>
internal sealed record WorkerLaneSpec(string TypeName, string Settings);
