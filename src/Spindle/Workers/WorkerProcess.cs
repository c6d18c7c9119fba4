using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Versioning;
using Microsoft.Extensions.Logging.Abstractions;
using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Interop;
using Spindle.Processes;
using Spindle.Wire;

namespace Spindle;

/// <summary>
/// Runs a delegate in a new operating-system process (Python's <c>multiprocessing.Process</c>): its own memory,
/// a crash stays inside it. Captured variables and arguments are copied to the process; changes made there do
/// not flow back. What it writes to stdout and stderr appears on this process's console.
/// </summary>
[SupportedOSPlatform("linux")]
[RequiresUnreferencedCode(DynamicCode.Calls)]
[RequiresDynamicCode(DynamicCode.Calls)]
public sealed class WorkerProcess : IWorker
{
    private static readonly ValueCodec Codec = new(custom: null);

    private readonly WireWriter _frame = new();
    private readonly ManualResetEventSlim _launched = new();
    private Task? _lifetime;
    private WorkerProcessHandle? _handle;
    private SpawnedProcess? _spawned;
    private int _processId;
    private volatile bool _finished;
    private volatile bool _killRequested;

    /// <summary>Prepares a process that will call <paramref name="target"/> with <paramref name="args"/>.</summary>
    /// <exception cref="ProcessBoundaryException">An argument or captured variable cannot be sent to another process.</exception>
    public WorkerProcess(Delegate target, params object?[] args)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(args);
        DynamicCode.ThrowIfUnsupported(nameof(WorkerProcess), DynamicCode.Calls);
        MethodTemplate template = MethodTemplate.For(target, nameof(target));
        CallWriter.Write(_frame, Codec, callId: 1, CallFlags.None, template, target.Target, args, nameof(target));
    }

    /// <summary>Prepares a process that will call <paramref name="target"/>.</summary>
    public WorkerProcess(Action target)
        : this((Delegate)target)
    {
    }

    /// <summary>How long the process may take to start and connect back.</summary>
    /// <value>The default is 30 seconds.</value>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The process id; 0 before <see cref="Start"/>.</summary>
    public int Id => Volatile.Read(ref _processId);

    /// <inheritdoc />
    public bool IsAlive => _lifetime is not null && !_finished;

    /// <summary>The exit code once the process has ended (0: returned; 1: the delegate threw; 128 + n: ended by signal n).</summary>
    public int? ExitCode => Exit?.ExitCode;

    /// <summary>How the process ended, with the cause in plain words.</summary>
    public WorkerExit? Exit { get; private set; }

    /// <inheritdoc />
    public Exception? Exception { get; private set; }

    /// <summary>Starts the process and returns once it exists (its pid is known); the call is sent when it connects.</summary>
    public void Start()
    {
        LinuxOnly.Require("WorkerProcess", "use WorkerThread on other systems");
        if (Interlocked.CompareExchange(ref _lifetime, Task.CompletedTask, null) is not null)
        {
            throw new InvalidOperationException("A WorkerProcess can be started only once.");
        }

        _lifetime = RunAsync();
        WaitHandle.WaitAny([_launched.WaitHandle, ((IAsyncResult)_lifetime).AsyncWaitHandle]);
        if (_lifetime.IsFaulted)
        {
            _lifetime.GetAwaiter().GetResult();
        }
    }

    /// <inheritdoc />
    public void Join() => LifetimeOrThrow().GetAwaiter().GetResult();

    /// <inheritdoc />
    public bool Join(TimeSpan timeout)
    {
        Task lifetime = LifetimeOrThrow();
        if (!lifetime.Wait(timeout))
        {
            return false;
        }

        lifetime.GetAwaiter().GetResult();
        return true;
    }

    /// <inheritdoc />
    public Task JoinAsync(CancellationToken cancellationToken = default) => LifetimeOrThrow().WaitAsync(cancellationToken);

    /// <summary>Ends the process at once (SIGKILL). <see cref="Exception"/> then says it was killed.</summary>
    public void Kill()
    {
        LifetimeOrThrow();
        _killRequested = true;
        if (_handle is { } handle)
        {
            handle.Kill();
        }
        else
        {
            // Launched but not yet ready: killed through its pidfd, never by a pid that may have been reused.
            Volatile.Read(ref _spawned)?.Kill();
        }
    }

    /// <summary>Kills the process if it is still running and waits for it to end.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_lifetime is not null && !_finished)
        {
            Kill();
            await _lifetime.ConfigureAwait(false);
        }

        _frame.Dispose();
        _launched.Dispose();
    }

    private Task LifetimeOrThrow() => _lifetime ?? throw new InvalidOperationException("The WorkerProcess has not been started; call Start() first.");

    private async Task RunAsync()
    {
        await Task.Yield();
        var settings = new WorkerProcessSettings(StartTimeout, Frame.DefaultMaxMessageBytes, SerializerType: null, OneShot: true);
        try
        {
            _handle = await WorkerProcessHandle.StartAsync(settings, CancellationToken.None, spawned =>
            {
                Volatile.Write(ref _spawned, spawned);
                Volatile.Write(ref _processId, spawned.Id);
                _launched.Set();
            }).ConfigureAwait(false);
        }
        catch (WorkerStartException e) when (_killRequested && e.ExitCode is { } code)
        {
            // Killed before it was ready: that is how it ended, not a failure to start.
            Exit = WorkerExit.From(Id, code, e.StandardErrorTail);
            Exception = new WorkerCrashedException(Exit);
            _finished = true;
            return;
        }
        catch
        {
            // Failed to start: over for good (its process is already reaped), so nothing may try to kill it later.
            _finished = true;
            throw;
        }
        finally
        {
            _launched.Set();
        }

        bool answered = false;
        _handle.Run(
            payload =>
            {
                answered = true;
                var reader = new WireReader(payload);
                reader.ReadInt64();
                if (reader.ReadByte() == CallRunner.Threw)
                {
                    Exception = RemoteError.Read(ref reader, _handle.ProcessId);
                }
            },
            onExit: _ => { });
        _handle.Post(_frame.WrittenMemory);
        _handle.Flush();
        Exit = await _handle.Exited.ConfigureAwait(false);
        if (!answered)
        {
            Exception = new WorkerCrashedException(Exit);
        }

        _handle.Dispose();
        _finished = true;
    }
}
