using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Interop;
using Spindle.Pools;
using Spindle.Wire;

namespace Spindle;

/// <summary>How a <see cref="WorkerPool"/> runs calls. Invalid values are refused when set, naming the option.</summary>
public sealed class WorkerPoolOptions
{
    private Isolation _isolation = Isolation.Process;
    private WorkerOutput _workerOutput = WorkerOutput.Console;
    private int _workers = Environment.ProcessorCount;
    private int _maxQueuedCalls = 10_000;
    private QueueFullMode _queueFullMode = QueueFullMode.Wait;
    private int? _maxCallsPerWorker;
    private TimeSpan _idleTimeout = TimeSpan.FromMinutes(5);
    private TimeSpan _workerStartTimeout = TimeSpan.FromSeconds(30);
    private int _maxMessageBytes = Frame.DefaultMaxMessageBytes;
    private ICallSerializer? _serializer;
    private Func<ICallSerializer>? _serializerFactory;
    private TimeSpan? _callTimeout;
    private int _retriesOnCrash;
    private int _maxRestarts = 20;
    private TimeSpan _restartWindow = TimeSpan.FromMinutes(1);
    private TimeSpan _cancellationGracePeriod = TimeSpan.FromSeconds(2);
    private TimeSpan _drainTimeout = Timeout.InfiniteTimeSpan;
    private long? _memoryLimit;
    private string _name = "spindle";
    private int _pipelineDepth = 32;
    private TimeSpan _pipelineWindow = TimeSpan.FromMicroseconds(250);
    private long? _sharedMemoryThreshold = 1 << 20;

    /// <summary>Worker processes or worker threads.</summary>
    /// <value>The default is <see cref="Isolation.Process"/>.</value>
    public Isolation Isolation
    {
        get => _isolation;
        set => _isolation = EnumValue.Defined(value, nameof(Isolation));
    }

    /// <summary>The most workers running at once; each runs one call at a time.</summary>
    /// <value>The default is <see cref="Environment.ProcessorCount"/>.</value>
    public int Workers
    {
        get => _workers;
        set => _workers = Positive(value, nameof(Workers));
    }

    /// <summary>How many calls may wait for a worker; past that, <see cref="QueueFullMode"/> says what a new call does.</summary>
    /// <value>The default is 10,000.</value>
    public int MaxQueuedCalls
    {
        get => _maxQueuedCalls;
        set => _maxQueuedCalls = Positive(value, nameof(MaxQueuedCalls));
    }

    /// <summary>
    /// What <c>RunAsync</c> does when <see cref="MaxQueuedCalls"/> calls already wait: wait for room, or throw
    /// <see cref="PoolQueueFullException"/> at once. <c>MapAsync</c> waits in either mode (it bounds its own chunks in
    /// flight, <see cref="MapOptions.MaxChunksInFlight"/>), and <c>TryRun</c> never waits: it returns false.
    /// </summary>
    /// <value>The default is <see cref="QueueFullMode.Wait"/>.</value>
    public QueueFullMode QueueFullMode
    {
        get => _queueFullMode;
        set => _queueFullMode = EnumValue.Defined(value, nameof(QueueFullMode));
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

    /// <summary>How long a worker process may take to start, connect back and run <see cref="Initializer"/>.</summary>
    /// <value>The default is 30 seconds; a finite value is at most 49 days.</value>
    public TimeSpan WorkerStartTimeout
    {
        get => _workerStartTimeout;
        set => _workerStartTimeout = value == Timeout.InfiniteTimeSpan ? value : TimerLimit.Positive(value, nameof(WorkerStartTimeout));
    }

    /// <summary>
    /// Runs once in each new worker before its first call, as the initializer of Python's <c>ProcessPoolExecutor</c>:
    /// to load a model, open a connection, fill a cache. For a worker process it crosses as a call does (a static
    /// method, or a lambda whose captured variables can be sent: checked when the pool is created, naming this option),
    /// and what it sets up in static state is there for the calls that follow.
    /// </summary>
    /// <value>The default is null: workers start with nothing to run.</value>
    /// <remarks>
    /// Every new worker runs it: the first ones, and those replacing a worker that crashed, was recycled
    /// (<see cref="MaxCallsPerWorker"/>) or retired idle. If it throws, the worker does not start: the start fails with
    /// <see cref="WorkerStartException"/>, whose inner exception is the initializer's (a
    /// <see cref="RemoteException"/> from a process), and calls queued with no worker left to run them fail with
    /// it. For a worker process, <see cref="WorkerStartTimeout"/> bounds the start including the initializer. With
    /// <see cref="Isolation.Thread"/> it runs in this process, on a thread-pool thread, once for each worker, while calls
    /// run on any thread-pool thread: keep what it sets up in ordinary static state (not thread-static), and let it run
    /// more than once; <see cref="CheckProcessBoundary"/> checks it as it checks calls.
    /// </remarks>
    public Action? Initializer { get; set; }

    /// <summary>The largest message (a call with its arguments, or a result) allowed on a worker's channel.</summary>
    /// <value>The default is 1 GiB.</value>
    public int MaxMessageBytes
    {
        get => _maxMessageBytes;
        set => _maxMessageBytes = value >= 4096 ? value : throw new ArgumentOutOfRangeException(nameof(MaxMessageBytes), value, "MaxMessageBytes must be at least 4096.");
    }

    /// <summary>
    /// A serializer tried before the built-in ones; the worker creates its own instance through a public parameterless
    /// constructor. For a serializer configured with options, use <see cref="SerializerFactory"/> instead.
    /// </summary>
    /// <value>The default is null: binary for primitives, strings and unmanaged arrays, System.Text.Json for the rest.</value>
    /// <exception cref="ArgumentException">The type has no public parameterless constructor, or <see cref="SerializerFactory"/> is set too.</exception>
    public ICallSerializer? Serializer
    {
        get => _serializer;
        [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = DynamicCode.EngineJustification)]
        set
        {
            if (value is not null && value.GetType().GetConstructor(Type.EmptyTypes) is null)
            {
                throw new ArgumentException($"Serializer {value.GetType()} needs a public parameterless constructor: each worker process creates its own. To pass options, set SerializerFactory instead.", nameof(Serializer));
            }

            _serializer = value is null || _serializerFactory is null ? value : throw BothSerializers(nameof(Serializer));
        }
    }

    /// <summary>
    /// Builds the serializer tried before the built-in ones, configured as you like: for example
    /// <c>() =&gt; new MessagePackCallSerializer(MessagePackCallSerializer.DefaultOptions.WithCompression(MessagePackCompression.Lz4BlockArray))</c>.
    /// This process calls it once, when the pool is created (with <see cref="Isolation.Thread"/> that one instance serves
    /// every call); each worker process calls the same method again before it serves, so both ends use the same options.
    /// </summary>
    /// <value>The default is null: <see cref="Serializer"/>, or the built-in formats.</value>
    /// <remarks>
    /// It must be a static method or a lambda that captures nothing: a worker process finds the method by its identity
    /// and calls it, and cannot see a captured variable or the object an instance method is bound to. Build the options
    /// inside the lambda, from constants and static members. It cannot be set together with <see cref="Serializer"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">
    /// The delegate captures variables or is bound to an object, a worker process could not load its method (it was
    /// generated at run time, or its assembly was loaded from memory), or <see cref="Serializer"/> is set too.
    /// </exception>
    public Func<ICallSerializer>? SerializerFactory
    {
        get => _serializerFactory;
        set
        {
            Func<ICallSerializer>? checkedFactory = SerializerFactoryMethod.Check(value);
            _serializerFactory = checkedFactory is null || _serializer is null ? checkedFactory : throw BothSerializers(nameof(SerializerFactory));
        }
    }

    /// <summary>The serializer this process uses: <see cref="Serializer"/>, or what <see cref="SerializerFactory"/> builds.</summary>
    internal ICallSerializer? CreateSerializer() =>
        _serializer ?? (_serializerFactory is { } factory ? SerializerFactoryMethod.Create(factory) : null);

    private static ArgumentException BothSerializers(string paramName) =>
        new("Serializer and SerializerFactory cannot both be set: set Serializer for a serializer with a public parameterless constructor, " +
            "or SerializerFactory to build one with options, and leave the other null.", paramName);

    /// <summary>
    /// With <see cref="Isolation.Thread"/>, check that every call could also cross a process boundary, so switching
    /// to <see cref="Isolation.Process"/> never surprises. Each type is checked once, then the check is a cache look-up.
    /// </summary>
    /// <value>The default is true.</value>
    public bool CheckProcessBoundary { get; set; } = true;

    /// <summary>Where the pool logs worker starts, exits and crashes.</summary>
    /// <value>The default is null (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Where the pool's meters come from. When set (as a host's dependency injection does), the pool's instruments are
    /// created through this factory, so they are scoped to the host; when <see langword="null"/>, a shared static meter is used.
    /// </summary>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>
    /// Where worker processes' standard output and standard error go: this process's console, or
    /// <see cref="LoggerFactory"/> (which must then be set), one log entry per line (see <see cref="Spindle.WorkerOutput.Logger"/>).
    /// The tail of standard error is kept for crash reports either way. Worker threads (<see cref="Isolation.Thread"/>)
    /// write to this process's own console, so this applies to worker processes.
    /// </summary>
    /// <value>The default is <see cref="Spindle.WorkerOutput.Console"/>.</value>
    public WorkerOutput WorkerOutput
    {
        get => _workerOutput;
        set => _workerOutput = EnumValue.Defined(value, nameof(WorkerOutput));
    }

    /// <summary>The pool's name in logs, metrics and events.</summary>
    /// <value>The default is "spindle".</value>
    public string Name
    {
        get => _name;
        set => _name = string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("Name cannot be empty.", nameof(Name)) : value;
    }

    /// <summary>
    /// How long a call may run once a worker starts it. On expiry the call fails with <see cref="CallTimeoutException"/>;
    /// with process isolation the stuck worker is killed and replaced, so an infinite loop or stuck native code is stopped.
    /// Threads cannot be killed: with thread isolation the call's token is cancelled, and a delegate that has not returned
    /// <see cref="CancellationGracePeriod"/> later has its thread abandoned and replaced (see <see cref="Isolation.Thread"/>).
    /// </summary>
    /// <value>The default is null: no timeout. At most 49 days.</value>
    public TimeSpan? CallTimeout
    {
        get => _callTimeout;
        set => _callTimeout = value is { } timeout ? TimerLimit.Positive(timeout, nameof(CallTimeout)) : null;
    }

    /// <summary>
    /// Run a call again, on another worker, when its worker process crashes — at most this many times. The call may
    /// then run more than once (at-least-once): keep such calls idempotent.
    /// </summary>
    /// <value>The default is 0: a crash fails the call.</value>
    public int RetriesOnCrash
    {
        get => _retriesOnCrash;
        set => _retriesOnCrash = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(RetriesOnCrash), value, "RetriesOnCrash cannot be negative.");
    }

    /// <summary>
    /// More worker crashes than this within <see cref="RestartWindow"/> faults the pool (<see cref="PoolFaultedException"/>).
    /// Worker threads abandoned to calls that never returned count too, within the window and for as long as they stay blocked.
    /// </summary>
    /// <value>The default is 20.</value>
    public int MaxRestarts
    {
        get => _maxRestarts;
        set => _maxRestarts = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRestarts), value, "MaxRestarts cannot be negative.");
    }

    /// <summary>The window <see cref="MaxRestarts"/> counts crashes in.</summary>
    /// <value>The default is 1 minute.</value>
    public TimeSpan RestartWindow
    {
        get => _restartWindow;
        set => _restartWindow = Positive(value, nameof(RestartWindow));
    }

    /// <summary>
    /// After a running call is cancelled (or times out, with thread isolation), how long it may take to stop cooperatively:
    /// then a worker process is killed, and a worker thread is abandoned to it and replaced (see <see cref="Isolation.Thread"/>).
    /// </summary>
    /// <value>The default is 2 seconds. At most 49 days.</value>
    public TimeSpan CancellationGracePeriod
    {
        get => _cancellationGracePeriod;
        set => _cancellationGracePeriod = value >= TimeSpan.Zero && value <= TimerLimit.Longest
            ? value
            : throw new ArgumentOutOfRangeException(nameof(CancellationGracePeriod), value, "CancellationGracePeriod cannot be negative or more than 49 days (the longest a timer waits).");
    }

    /// <summary>
    /// How long <see cref="WorkerPool.DisposeAsync"/> lets accepted calls finish, counted from the first stop: past it
    /// the drain becomes a terminate (<see cref="WorkerPool.TerminateAsync"/>), so the calls still queued or running
    /// end cancelled and worker processes are killed. <see cref="Timeout.InfiniteTimeSpan"/> waits for every call.
    /// </summary>
    /// <value>The default is <see cref="Timeout.InfiniteTimeSpan"/>; a finite value is at most 49 days.</value>
    /// <remarks>
    /// Infinite by default because a drain's promise is that accepted calls finish, and calls may rightly run long (a
    /// render, a build): a default that cancelled them would lose work without asking. Bound a call that may never end
    /// with <see cref="CallTimeout"/>, a service's shutdown with this option, or one stop with
    /// <see cref="WorkerPool.StopAsync(CancellationToken)"/>.
    /// </remarks>
    public TimeSpan DrainTimeout
    {
        get => _drainTimeout;
        set => _drainTimeout = value == Timeout.InfiniteTimeSpan ? value : TimerLimit.Positive(value, nameof(DrainTimeout));
    }

    /// <summary>
    /// The most memory one worker process's calls may use, in bytes: the hard limit of the worker's .NET heap, counting
    /// memory in use, not address space reserved. A call that allocates past it gets an OutOfMemoryException; the worker
    /// then exits and is replaced, and the call fails with <see cref="WorkerCrashedException"/> saying the limit was hit.
    /// </summary>
    /// <value>
    /// The default is null: no limit. The least accepted is <see cref="MinMemoryLimit"/> (16 MiB). Linux only: set on another
    /// system it throws <see cref="PlatformNotSupportedException"/>. Worker processes only: a pool with <see cref="Isolation.Thread"/>
    /// and a limit is refused when created (<see cref="ArgumentException"/>), since its calls share this process's memory.
    /// </value>
    /// <remarks>
    /// The runtime's own code and data come on top: measured on .NET 10 x64, a worker is about 30 to 45 MiB resident
    /// besides its heap, most of it the runtime's files, which processes share. Memory outside the heap (native code's,
    /// thread stacks) meets a looser limit from the operating system, RLIMIT_DATA at twice MemoryLimit plus 64 MiB over what
    /// the worker had mapped when it started: that limit counts address space mapped, 8 MiB for each thread's stack however
    /// little of it is used, so it cannot be the limit itself (a worker's own threads map 72 MiB before its first call).
    /// </remarks>
    public long? MemoryLimit
    {
        get => _memoryLimit;
        set
        {
            if (value is not null && !LinuxOnly.IsSupported)
            {
                // Never ignored silently: a limit the user believes in but that is not enforced is worse than none.
                throw LinuxOnly.NotSupported("WorkerPoolOptions.MemoryLimit", "leave it null on other systems");
            }

            _memoryLimit = value is null or >= MinMemoryLimit
                ? value
                : throw new ArgumentOutOfRangeException(nameof(MemoryLimit), value, $"MemoryLimit must be at least {MinMemoryLimit} bytes (16 MiB), or null for no limit.");
        }
    }

    /// <summary>
    /// The smallest <see cref="MemoryLimit"/>, 16 MiB. Measured on .NET 10 x64 (Linux): a worker starts and runs small calls
    /// (JSON results, 800 KB arrays) with a 4 MiB heap (10 runs of 10), and with 3 MiB or less cannot create its heap at
    /// all. 16 MiB leaves four times what a worker needs.
    /// </summary>
    public const long MinMemoryLimit = 16L << 20;

    /// <summary>
    /// The most calls a busy worker process may hold ahead of time, waiting in its socket behind the running one, so
    /// it never idles while the next call crosses the socket. Only calls known to be short are pipelined: the pool
    /// times each method's calls, and a worker holds extra calls only while everything it holds is expected to finish
    /// within <see cref="PipelineWindow"/>. A call of a method not seen yet, or a slow one, waits for a free worker as
    /// with 1. So a call never waits long behind another in a worker while a different worker is free.
    /// </summary>
    /// <value>The default is 32. 1 turns sending ahead off: a worker gets its next call when it has finished the last.</value>
    public int PipelineDepth
    {
        get => _pipelineDepth;
        set => _pipelineDepth = value is >= 1 and <= 64 ? value : throw new ArgumentOutOfRangeException(nameof(PipelineDepth), value, "PipelineDepth must be between 1 and 64.");
    }

    /// <summary>
    /// How much work, by the measured run times of earlier calls of the same methods, a busy worker process may hold
    /// ahead of time (see <see cref="PipelineDepth"/>): the longest a pipelined call can wait behind the others.
    /// <see cref="Timeout.InfiniteTimeSpan"/> sends calls ahead whatever their length, up to <see cref="PipelineDepth"/>.
    /// </summary>
    /// <value>The default is 250 µs: about ten round trips to a worker.</value>
    public TimeSpan PipelineWindow
    {
        get => _pipelineWindow;
        set => _pipelineWindow = PositiveOrInfinite(value, nameof(PipelineWindow));
    }

    /// <summary>
    /// Arguments and results that are blocks of unmanaged values (<c>double[]</c>, <c>Memory&lt;T&gt;</c>,
    /// <c>ReadOnlyMemory&lt;T&gt;</c> of primitives or structs without references) at least this many bytes cross
    /// between the caller and worker processes outside the channel: copied once, straight between the two processes'
    /// memory, where the system allows it (a <c>T[]</c> argument, any such result), else through shared memory; no
    /// socket transfer and no <see cref="MaxMessageBytes"/> limit; a <c>Memory</c> parameter is a view over shared pages
    /// in the worker. Null sends everything over the channel.
    /// </summary>
    /// <value>
    /// The default is 1 MiB (1,048,576 bytes): from there up the road outside the channel was about twice as fast both
    /// ways on a quiet machine, at 256 KiB the channel was as fast or faster (bench/Spindle.Bench, measurement 11).
    /// </value>
    public long? SharedMemoryThreshold
    {
        get => _sharedMemoryThreshold;
        set => _sharedMemoryThreshold = value is null or > 0 ? value : throw new ArgumentOutOfRangeException(nameof(SharedMemoryThreshold), value, "SharedMemoryThreshold must be greater than zero, or null to never use shared memory.");
    }

    /// <summary>
    /// Whether large <c>T[]</c> values above <see cref="SharedMemoryThreshold"/> are copied straight between the caller's
    /// and the worker's memory (<c>process_vm_readv</c>/<c>process_vm_writev</c>, one copy each way) when the system
    /// allows it, instead of through shared memory (two). Off when the environment variable
    /// <c>SPINDLE_CROSS_MEMORY</c> is <c>0</c>; the pool also falls back by itself where the calls are refused.
    /// </summary>
    internal bool CrossMemoryCopy { get; set; } = Environment.GetEnvironmentVariable("SPINDLE_CROSS_MEMORY") != "0";

    /// <summary>
    /// A backend to run calls on instead of the one <see cref="Isolation"/> names: how tests plug in a backend of their
    /// own, through the same seam as threads and processes (see <see cref="Backends.WorkerBackends"/>).
    /// </summary>
    internal Func<Backends.BackendContext, Backends.IWorkerBackend>? Backend { get; set; }

    internal WorkerPoolOptions Clone() => (WorkerPoolOptions)MemberwiseClone();

    private static int Positive(int value, string name) =>
        value > 0 ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be greater than zero.");

    private static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");

    private static TimeSpan PositiveOrInfinite(TimeSpan value, string name) =>
        value > TimeSpan.Zero || value == Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive or Timeout.InfiniteTimeSpan.");
}
