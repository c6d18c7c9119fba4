using System.Buffers.Binary;
using Spindle;
using Spindle.Calls;
using Spindle.Wire;
using Spindle.Interop;
using Spindle.Telemetry;

namespace Spindle.Processes;

/// <summary>
/// A worker's two loops. The call loop runs on the main thread: read a call, run it, send the result (a traced
/// call's spans just before it) — no thread hop on the hot path. The control loop runs on its own thread so a cancellation reaches a running call,
/// and so the worker exits at once when the parent is gone (end of stream), even if the call is stuck.
/// </summary>
internal sealed class WorkerCallLoop
{
    /// <summary>Exit code of a one-shot worker whose call threw (like Python's <c>Process.exitcode</c>).</summary>
    public const int CallFailedExitCode = 1;

    /// <summary>Exit code of a worker that ran out of memory under its <c>MemoryLimit</c>.</summary>
    public const int MemoryLimitExitCode = 86;

    /// <summary>What a worker that hit its memory limit writes last to stderr; <see cref="WorkerExit"/> recognises it.</summary>
    public const string MemoryLimitMessage = "hit its MemoryLimit";

    private readonly FrameSocket _data;
    private readonly FrameSocket _control;
    private readonly CallRunner _runner;
    private readonly bool _oneShot;
    private readonly long? _memoryLimit;
    private RunningCall? _running;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<long, bool> _cancelledBeforeStart = new();
    private volatile bool _done;
    private int _callsOneByOne;
    private WireWriter? _spans;

    /// <summary>Held while a call runs, when the worker has a lane (<see cref="WorkerLane"/>) that may run calls too; null otherwise.</summary>
    private readonly Lock? _runGate;

    /// <summary>How many calls in a row must arrive alone before the worker watches for the next (see <see cref="WatchIfCallsComeOneByOne"/>).</summary>
    private const int CallsOneByOneBeforeWatching = 8;

    public WorkerCallLoop(FrameSocket data, FrameSocket control, CallRunner runner, bool oneShot, long? memoryLimit, Lock? runGate = null)
    {
        _runGate = runGate;
        _memoryLimit = memoryLimit;
        _data = data;

        _control = control;
        _runner = runner;
        _oneShot = oneShot;
    }

    public int Serve()
    {
        try
        {
            return ServeCalls();
        }
        finally
        {
            // From here on, the control channel closing is this worker's own doing, not its parent's death.
            _done = true;
        }
    }

    private int ServeCalls()
    {
        var controlThread = new Thread(ControlLoop) { IsBackground = true, Name = "Spindle worker control" };
        controlThread.Start();
        using var result = new WireWriter(4096);
        while (_data.ReceiveFrame(out FrameKind kind, out ReadOnlySpan<byte> payload))
        {
            if (kind != FrameKind.Call)
            {
                throw new InvalidDataException($"Expected a call frame, got {kind}.");
            }

            using var call = new RunningCall(CallRunner.PeekCallId(payload));
            Interlocked.Exchange(ref _running, call);
            if (_cancelledBeforeStart.TryRemove(call.CallId, out _))
            {
                call.Cancel();
            }

            // With a lane, its call may be running: this one waits for it (the parent sees a worker slow to answer).
            if (_runGate is not null)
            {
                _runGate.Enter();
            }

            Exception? failure;
            try
            {
                failure = RunChecked(_runner, payload, result, call.Cancellation.Token, _memoryLimit, _data.MaxFrameBytes);
                Volatile.Write(ref _running, null);
                if (_runner.TakeRun() is { } run)
                {
                    SendSpans(call.CallId, run);
                }

                _data.Send(result.WrittenSpan);
                // A result left pinned for the parent to copy out: the next call waits until it has (see WorkerCrossMemory).
                _runner.CrossMemoryResults?.FinishCall();
            }
            finally
            {
                _runGate?.Exit();
            }

            _data.TrimReadBuffer();
            WatchIfCallsComeOneByOne();
            if (_oneShot)
            {
                if (failure is not null)
                {
                    Console.Error.WriteLine($"Unhandled exception in worker process {Environment.ProcessId}:{Environment.NewLine}{ExceptionDescription.Describe(failure)}");
                }

                return failure is null ? 0 : CallFailedExitCode;
            }
        }

        return 0;
    }

    /// <summary>
    /// Runs one call into <paramref name="result"/>: a worker out of memory under its limit exits, as the kernel's OOM
    /// kill would; a result larger than <paramref name="maxFrameBytes"/> is replaced by an error (the parent would refuse
    /// it and kill this worker), and the worker stays alive. Returns what the call failed with, or null.
    /// </summary>
    internal static Exception? RunChecked(CallRunner runner, ReadOnlySpan<byte> payload, WireWriter result, CancellationToken cancellationToken, long? memoryLimit, int maxFrameBytes)
    {
        Exception? failure = runner.Run(payload, result, cancellationToken);
        if (failure is OutOfMemoryException && memoryLimit is { } limit)
        {
            Console.Error.WriteLine($"Spindle worker {Environment.ProcessId} {MemoryLimitMessage} of {limit} bytes and exits.");
            Native.ExitNow(MemoryLimitExitCode);
        }

        if (result.Length - Frame.HeaderSize > maxFrameBytes)
        {
            var tooBig = new InvalidOperationException(
                $"The result takes {result.Length - Frame.HeaderSize} bytes, more than MaxMessageBytes ({maxFrameBytes}). Raise WorkerPoolOptions.MaxMessageBytes or return less.");
            CallRunner.WriteFailure(result, CallRunner.PeekCallId(payload), tooBig);
            runner.CrossMemoryResults?.DropResult();
        }

        return failure;
    }

    /// <summary>The spans of a traced call go just before its result (see <see cref="ShippedSpans"/>); more than the parent takes are not sent.</summary>
    private void SendSpans(long callId, WorkerRun run)
    {
        _spans ??= new WireWriter(4096);
        ShippedSpans.Write(_spans, callId, run);
        if (_spans.Length - Frame.HeaderSize <= _data.MaxFrameBytes)
        {
            _data.Send(_spans.WrittenSpan);
        }

        _spans.Reset();
    }

    /// <summary>
    /// Between calls, a worker whose calls have been coming one at a time (a caller awaiting each in turn) watches for
    /// the next one before it sleeps: it arrives within microseconds, and waking a process asleep on an idle (virtual)
    /// core costs more than the call. A worker that gets calls in bursts (pipelined, a flood) does not: the parent is
    /// busy producing them, and on a small machine the watching would take the processor it needs.
    /// </summary>
    private void WatchIfCallsComeOneByOne()
    {
        _callsOneByOne = _data.HasBufferedFrame ? 0 : Math.Min(_callsOneByOne + 1, CallsOneByOneBeforeWatching);
        _data.WatchBeforeSleeping = !_oneShot && _callsOneByOne >= CallsOneByOneBeforeWatching;
    }

    private void ControlLoop()
    {
        try
        {
            while (_control.ReceiveFrame(out FrameKind kind, out ReadOnlySpan<byte> payload))
            {
                if (kind is FrameKind.ArgumentFilled or FrameKind.ResultRead or FrameKind.CrossMemoryOn && _runner.CrossMemoryResults is { } crossMemory)
                {
                    // The cross-memory road (see WorkerCrossMemory): the parent's answers, read here while the call loop waits.
                    if (kind == FrameKind.ArgumentFilled)
                    {
                        crossMemory.OnArgumentFilled(payload);
                    }
                    else if (kind == FrameKind.ResultRead)
                    {
                        crossMemory.OnResultRead();
                    }
                    else
                    {
                        crossMemory.Enable();
                    }

                    continue;
                }

                if (kind == FrameKind.Cancel && payload.Length >= 8)
                {
                    // The cancellation may overtake its call (it travels on the other connection, and pipelined calls wait
                    // in the socket): remember it, then look again, so whichever side comes second sees the other.
                    long callId = BinaryPrimitives.ReadInt64LittleEndian(payload);
                    _cancelledBeforeStart[callId] = true;
                    Interlocked.MemoryBarrier();
                    RunningCall? running = Volatile.Read(ref _running);
                    if (running?.CallId == callId)
                    {
                        _cancelledBeforeStart.TryRemove(callId, out _);
                        running.Cancel();
                    }
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // A broken control channel means the same as a closed one.
        }

        // The parent closed the channel or died: nothing this worker does can be delivered any more.
        if (!_done)
        {
            Native.ExitNow(0);
        }
    }

    private sealed class RunningCall(long callId) : IDisposable
    {
        public long CallId { get; } = callId;

        public CancellationTokenSource Cancellation { get; } = new();

        public void Cancel()
        {
            try
            {
                Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The call finished as the cancellation arrived.
            }
        }

        public void Dispose() => Cancellation.Dispose();
    }
}
