using System.Diagnostics;
using Spindle;
using Spindle.Calls;
using Spindle.Calls.Serialization;
using Spindle.Backends;
using Spindle.Pools;
using Spindle.Shared;
using Spindle.Telemetry;

namespace Spindle.Processes;

/// <summary>
/// A worker process: sends each call's frame to its <see cref="WorkerProcessHandle"/> and completes the call from the result.
/// With a pipeline depth above 1, later calls wait in the worker's socket behind the running one, in order.
/// </summary>
internal sealed class ProcessWorker : PoolWorker
{
    private readonly IWorkerReports _pool;
    private readonly WorkerProcessHandle _process;
    private readonly ValueCodec _codec;
    private readonly Queue<PendingCall> _sent = new();
    private readonly Lock _sentLock = new();
    private readonly List<PendingCall> _arrived = [];
    private readonly ResultArenaReader? _arena;
    private readonly int _capacity;
    private Action<PendingCall>? _verdict;

    // The call _verdict was given for: the worker is killed for it, and only it gets the verdict (see OnExit).
    private PendingCall? _verdictFor;
    private PendingCall? _running;

    // Set under _sentLock once the worker's exit has been handled; the WorkerProcessHandle is disposed after that, so every use
    // of it that can come late (a kill, a close, a cancellation from a timer or a stopping pool) checks it under the lock.
    private bool _exited;

    // Set under _sentLock by KillAsCrash: a call that reaches this worker after it never reaches the process, so it has not
    // started and goes elsewhere (a call matched with an idle worker just before the pool killed it).
    private bool _killed;
    private long _heldKnownTicks;
    private int _heldUnknown;
    private long _headStartedAt;

    public ProcessWorker(IWorkerReports pool, WorkerProcessHandle process, ValueCodec codec, int capacity)
    {
        _pool = pool;
        _process = process;
        _codec = codec;
        _capacity = capacity;
        _arena = Interop.LinuxOnly.IsSupported ? new ResultArenaReader(process.ProcessId) { ResultReadNotice = process.ResultRead } : null;
        _process.Run(OnResult, OnExit, OnBurstEnd, OnSpans, Interop.LinuxOnly.IsSupported ? OnFill : null);
    }

    public override int Capacity => _capacity;

    /// <summary>
    /// For tests: while the returned scope lasts (on this thread), the worker's results and its exit wait to be handled,
    /// as when the reader thread is slow to get to them; stops and kills from this thread go through.
    /// </summary>
    internal Lock.Scope HoldResultsForTests() => _sentLock.EnterScope();

    public override int InFlight
    {
        get
        {
            lock (_sentLock)
            {
                return _sent.Count;
            }
        }
    }

    public override int Id => _process.ProcessId;

    public override PendingCall? Running => Volatile.Read(ref _running);

    public override Task Exited => _process.Exited;

    public override long HeldWorkTicks
    {
        get
        {
            lock (_sentLock)
            {
                return _heldUnknown > 0 ? CallProfile.Unknown : _heldKnownTicks;
            }
        }
    }

    public override void Dispatch(PendingCall call)
    {
        bool startsNow = false;
        bool exited;
        lock (_sentLock)
        {
            exited = _exited || _killed;
            if (!exited)
            {
                // Posted under the same lock as the enqueue: frames leave in the order results are matched to calls.
                _sent.Enqueue(call);
                _process.Post(((IEncodedCall)call).Frame);
                call.EstimateTicks = call.Profile?.EstimateTicks ?? CallProfile.Unknown;
                Hold(call, +1);
                startsNow = _sent.Count == 1;
                _process.WatchForResult = startsNow && !_pool.HasQueuedCalls;
                if (startsNow)
                {
                    Volatile.Write(ref _running, call);
                    _headStartedAt = Stopwatch.GetTimestamp();
                }
            }
        }

        if (exited)
        {
            // The worker died (or was killed) after the dispatcher picked it: nobody would ever complete this call
            // here. It never started, so it goes elsewhere.
            _pool.Redispatch(call);
            return;
        }

        // A call's timeout starts when the worker starts it: now, or when the call ahead of it finishes.
        if (startsNow)
        {
            _pool.ArmTimeout(call, this);
        }

        // On this worker's reader thread the frame leaves with the others of its burst. If sending fails the worker
        // is gone; the reader thread reports the exit and the call fails there.
        _process.Flush();
    }

    public override void CancelRunning(PendingCall call)
    {
        bool sent;
        lock (_sentLock)
        {
            sent = _sent.Contains(call);
        }

        // Also for a call still waiting behind another: the worker remembers it and cancels it as it starts. (Sent
        // outside the lock: a worker slow to read its control channel must not hold up its results; a worker that is
        // gone meanwhile makes this a no-op.)
        if (sent)
        {
            _process.Cancel(call.Id);
        }
    }

    public override void StopCall(PendingCall call, Action<PendingCall> verdict)
    {
        lock (_sentLock)
        {
            if (!_exited && Running == call && Interlocked.CompareExchange(ref _verdict, verdict, null) is null)
            {
                _verdictFor = call;
                _process.Kill();
            }
        }
    }

    public override void Retire()
    {
        lock (_sentLock)
        {
            if (!_exited)
            {
                _process.Close();
            }
        }
    }

    public override void Kill()
    {
        lock (_sentLock)
        {
            if (!_exited)
            {
                _process.Kill();
            }
        }
    }

    /// <summary>
    /// Kills the process at a user's order (the dashboard's "kill"): its exit counts as a crash and the pool replaces it,
    /// as when it was killed from outside. A call handed to it from now on never reaches it and goes elsewhere.
    /// </summary>
    public void KillAsCrash()
    {
        lock (_sentLock)
        {
            _killed = true;
            if (!_exited)
            {
                _process.KillAsDeath();
            }
        }
    }

    private void OnResult(ReadOnlySpan<byte> payload)
    {
        long answered = CallRunner.PeekCallId(payload);
        PendingCall call;
        PendingCall? next;
        lock (_sentLock)
        {
            if (!_sent.TryPeek(out PendingCall? running) || running.Id != answered)
            {
                // Left in place: the worker is killed for this and every call it had fails as crashed.
                throw new InvalidDataException($"Worker {_process.ProcessId} answered call {answered}, but the call it was running is {running?.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}.");
            }

            call = _sent.Dequeue();
            _sent.TryPeek(out next);
            Volatile.Write(ref _running, next);
            _process.WatchForResult = _sent.Count == 1 && !_pool.HasQueuedCalls;
            Hold(call, -1);

            // The worker started the next call as it sent this result: this call ran from the moment it became the head.
            long now = Stopwatch.GetTimestamp();
            call.RanTicks = now - _headStartedAt;
            call.Profile?.Record(call.RanTicks);
            _headStartedAt = now;
        }

        CallsDone++;
        ((IEncodedCall)call).ReadFromWire(payload, _codec, _process.ProcessId, _arena);
        _arrived.Add(call);
        if (next is not null)
        {
            _pool.ArmTimeout(next, this);
        }

        // The worker is free for its next call now; the caller hears about this one when the burst is handed on.
        _pool.OnCallFinished(this);
    }

    /// <summary>The spans a traced call's worker recorded (its result comes next): emitted under the call's span.</summary>
    private void OnSpans(ReadOnlySpan<byte> payload)
    {
        long callId = CallRunner.PeekCallId(payload);
        Activity? span = null;
        lock (_sentLock)
        {
            if (_sent.TryPeek(out PendingCall? running) && running.Id == callId)
            {
                span = running.Telemetry?.Span;
            }
        }

        if (span is not null)
        {
            try
            {
                ShippedSpans.Emit(payload, span);
            }
            catch (Exception e) when (e is not InvalidDataException)
            {
                // An ActivityListener of the app's threw on a worker's span: on this reader thread it would end the
                // process. The rest of the call's spans are dropped; the call goes on. (A malformed frame still ends the worker.)
            }
        }
    }

    /// <summary>The worker, decoding a call, asks for a pinned argument to be copied into its array (see <see cref="CrossMemory.PinnedArguments"/>).</summary>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private void OnFill(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 24)
        {
            throw new InvalidDataException($"Worker {_process.ProcessId} sent a {payload.Length}-byte fill request; it takes 24.");
        }

        long id = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(payload);
        long address = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(payload[8..]);
        long bytes = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(payload[16..]);
        _process.ArgumentFilled(id, CrossMemory.PinnedArguments.Fill(_process.ProcessId, id, address, bytes));
    }

    /// <summary>The reader handled every result that arrived together: complete their tasks on the thread pool.</summary>
    private Action? OnBurstEnd()
    {
        bool lone;
        lock (_sentLock)
        {
            lone = _arrived.Count == 1 && _sent.Count == 0 && !_pool.HasQueuedCalls;
        }

        // A lone call (its caller waits, nothing else is going on) completes right here on the reader, so the caller
        // carries on without waiting for a thread-pool thread to wake; the reader is watched (see ResultReader) in case
        // the caller's code blocks. Anything busier goes to the thread pool.
        if (lone)
        {
            return ResultBatch.Take(_pool, _arrived);
        }

        ResultBatch.Publish(_pool, _arrived);
        return null;
    }

    /// <summary>Counts a call in (+1) or out (-1) of the work this worker holds: known run times add up, unknown ones are counted.</summary>
    private void Hold(PendingCall call, int sign)
    {
        if (call.EstimateTicks == CallProfile.Unknown)
        {
            _heldUnknown += sign;
        }
        else
        {
            _heldKnownTicks += sign * call.EstimateTicks;
        }
    }

    private void OnExit(WorkerExit exit)
    {
        // Results read before the reader stopped (it stops mid-burst only when the worker broke the protocol).
        ResultBatch.Take(_pool, _arrived)();
        PendingCall[] sent;
        lock (_sentLock)
        {
            _exited = true;
            sent = [.. _sent];
            _sent.Clear();
            _heldKnownTicks = 0;
            _heldUnknown = 0;
            Volatile.Write(ref _running, null);
        }

        PendingCall? call = sent.Length > 0 ? sent[0] : null;
        Action<PendingCall>? verdict = _verdict;
        PendingCall[] neverStarted = sent.Length > 1 ? sent[1..] : [];
        if (verdict is not null && call is not null && call != _verdictFor)
        {
            // Killed to stop a call that finished as the kill went out (its result was on its way, and has been taken):
            // the call the worker had begun next was killed for nothing of its own. It neither fails nor takes the other
            // call's verdict; it runs again, from the start, as a call that never started.
            neverStarted = sent;
            call = null;
        }

        WorkerExitReason reason = verdict is not null ? WorkerExitReason.KilledForCall
            : _pool.Terminated ? WorkerExitReason.Terminated
            : _process.Stopping && call is null ? WorkerExitReason.Retired
            : WorkerExitReason.Crashed;
        // The worker's result slots, and anything else it left in shared memory, go before its calls are retried.
        if (Interop.LinuxOnly.IsSupported)
        {
            _arena?.Dispose();
        }

        _pool.OnWorkerExited(this, exit, reason, call, verdict, neverStarted);
        _process.Dispose();
    }
}
