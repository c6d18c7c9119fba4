namespace Spindle.Processes;

/// <summary>The environment variables that turn a process into a worker; read once and cleared so user code never inherits them.</summary>
internal sealed record WorkerEnvironment(
    string ChannelPath,
    string TokenHex,
    long WorkerId,
    int ParentProcessId,
    string? SerializerType,
    int MaxMessageBytes,
    bool OneShot,
    long? MemoryLimit = null)
{
    public const string ChannelVariable = "SPINDLE_WORKER_CHANNEL";
    private const string TokenVariable = "SPINDLE_WORKER_TOKEN";
    private const string IdVariable = "SPINDLE_WORKER_ID";
    private const string ParentVariable = "SPINDLE_WORKER_PARENT";
    private const string SerializerVariable = "SPINDLE_WORKER_SERIALIZER";
    private const string MaxMessageVariable = "SPINDLE_WORKER_MAX_MESSAGE";
    private const string OneShotVariable = "SPINDLE_WORKER_ONE_SHOT";
    private const string MemoryLimitVariable = "SPINDLE_WORKER_MEMORY_LIMIT";

    public static bool IsWorker => Environment.GetEnvironmentVariable(ChannelVariable) is not null;

    public void WriteTo(IDictionary<string, string?> environment)
    {
        environment[ChannelVariable] = ChannelPath;
        environment[TokenVariable] = TokenHex;
        environment[IdVariable] = WorkerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[ParentVariable] = ParentProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[SerializerVariable] = SerializerType;
        environment[MaxMessageVariable] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment[OneShotVariable] = OneShot ? "1" : null;
        environment[MemoryLimitVariable] = MemoryLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static WorkerEnvironment ReadAndClear()
    {
        string Take(string name, bool required = true)
        {
            string? value = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, null);
            return value ?? (required ? throw new InvalidOperationException($"This process was started as a Spindle worker but {name} is missing.") : string.Empty);
        }

        // Convert's base-10 parsing is culture-free: the first touch of any CultureInfo costs a new worker ~2 ms.
        string serializer = Take(SerializerVariable, required: false);
        string memoryLimit = Take(MemoryLimitVariable, required: false);
        return new WorkerEnvironment(
            Take(ChannelVariable),
            Take(TokenVariable),
            Convert.ToInt64(Take(IdVariable), 10),
            Convert.ToInt32(Take(ParentVariable), 10),
            serializer.Length == 0 ? null : serializer,
            Convert.ToInt32(Take(MaxMessageVariable), 10),
            Take(OneShotVariable, required: false) == "1",
            memoryLimit.Length == 0 ? null : Convert.ToInt64(memoryLimit, 10));
    }
}
