using Microsoft.Extensions.Logging;
using Spindle.Calls.Serialization;
using Spindle.Wire;

namespace Spindle.Pools;

/// <summary>How a <see cref="WorkerPool"/> runs calls. Invalid values are refused when set, naming the option.</summary>
public sealed class WorkerPoolOptions
{
    private int _workers = Environment.ProcessorCount;
    private int _maxQueuedCalls = 10_000;
    private int? _maxCallsPerWorker;
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(5);
    private TimeSpan _workerStartTimeout = TimeSpan.FromSeconds(30);
    private int _maxMessageBytes = Frame.DefaultMaxMessageBytes;
    private ICallSerializer? _serializer;

    /// <summary>Worker processes or worker threads.</summary>
    /// <value>The default is <see cref="Isolation.Process"/>.</value>
    public Isolation Isolation { get; set; } = Isolation.Process;

    /// <summary>The most workers running at once; each runs one call at a time.</summary>
    /// <value>The default is <see cref="Environment.ProcessorCount"/>.</value>
    public int Workers
    {
        get => _workers;
        set => _workers = Positive(value, nameof(Workers));
    }

    /// <summary>How many calls may wait for a worker; past that, new calls wait for room (backpressure).</summary>
    /// <value>The default is 10,000.</value>
    public int MaxQueuedCalls
    {
        get => _maxQueuedCalls;
        set => _maxQueuedCalls = Positive(value, nameof(MaxQueuedCalls));
    }

    /// <summary>Replace a worker after it has run this many calls (against leaks in user or native code); null for never.</summary>
    /// <value>The default is null.</value>
    public int? MaxCallsPerWorker
    {
        get => _maxCallsPerWorker;
        set => _maxCallsPerWorker = value is null ? null : Positive(value.Value, nameof(MaxCallsPerWorker));
    }

    /// <summary>A worker idle this long is retired; a new one starts when calls come. <see cref="Timeout.InfiniteTimeSpan"/> keeps workers forever.</summary>
    /// <value>The default is 5 minutes.</value>
    public TimeSpan IdleTimeout
    {
        get => _idleTimeout;
        set => _idleTimeout = PositiveOrInfinite(value, nameof(IdleTimeout));
    }

    /// <summary>Start all <see cref="Workers"/> when the pool is created instead of on the first calls.</summary>
    /// <value>The default is false.</value>
    public bool WarmUp { get; set; }

    /// <summary>How long a worker process may take to start and connect back.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan WorkerStartTimeout
    {
        get => _workerStartTimeout;
        set => _workerStartTimeout = PositiveOrInfinite(value, nameof(WorkerStartTimeout));
    }

    /// <summary>The largest message (a call with its arguments, or a result) allowed on a worker's channel.</summary>
    /// <value>The default is 1 GiB.</value>
    public int MaxMessageBytes
    {
        get => _maxMessageBytes;
        set => _maxMessageBytes = value >= 4096 ? value : throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), value, "MaxMessageBytes must be at least 4096.");
    }

    /// <summary>A serializer tried before the built-in ones; the worker creates its own instance through a public parameterless constructor.</summary>
    /// <value>The default is null: binary for primitives, strings and unmanaged arrays, System.Text.Json for the rest.</value>
    public ICallSerializer? Serializer
    {
        get => _serializer;
        set => _serializer = value is null || value.GetType().GetConstructor(Type.EmptyTypes) is not null
            ? value
            : throw new ArgumentException($"Serializer {value.GetType()} needs a public parameterless constructor: each worker process creates its own.", nameof(Serializer));
    }

    /// <summary>
    /// With <see cref="Isolation.Thread"/>, check that every call could also cross a process boundary, so switching
    /// to <see cref="Isolation.Process"/> never surprises. Each type is checked once, then the check is a cache look-up.
    /// </summary>
    /// <value>The default is true.</value>
    public bool CheckProcessBoundary { get; set; } = true;

    /// <summary>Where the pool logs worker starts, exits and crashes.</summary>
    /// <value>The default is null (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    internal WorkerPoolOptions Clone() => (WorkerPoolOptions)MemberwiseClone();

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be greater than zero.");

    private static TimeSpan PositiveOrInfinite(TimeSpan value, string name) =>
        value > TimeSpan.Zero || value == Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive or Timeout.InfiniteTimeSpan.");
}
